// front_door: what a node actually publishes on its ports, in place of the
// actor behind it (the client service, the peer gate).
//
// CAF delivers system messages from remote senders like any other: an
// anonymous `exit_msg` with `exit_reason::kill` terminates any actor and
// cannot be trapped, and a stray `error` message makes an actor quit by
// default. Published directly, the service could be killed by any client in
// one message, and a few kills in a row exhaust its supervisor's restart
// intensity and stop the node (measured: keelctl tree showed the kills).
// The front door is not a scheduled actor and has no mailbox: it hands every
// ordinary message (requests and one-way messages, with their sender and
// request id, so answers go straight back) to the actor behind it, and drops
// exit, down and unrequested error messages. When the actor behind it
// terminates, so does the front door, so remote monitors see it go.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"

namespace keel::network {

/// The subtype of the token that selects a door's closer among the target's
/// attachables: {front_door_token, the door's abstract_actor*}. The door
/// detaches its closer when it is destroyed before its target; tests check it.
inline constexpr size_t front_door_token = 0x6b65656c; // "keel"

/// A new front door for `target`. `dropped`, if given, counts the system
/// messages it threw away.
caf::actor make_front_door(caf::actor_system& sys, const caf::actor& target,
                           std::shared_ptr<std::atomic<uint64_t>> dropped = nullptr);

} // namespace keel::network
