// result: what a session's calls return: one key-value operation's outcome,
// or one operator call's answer from one node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "actors/client/core/outcome.hpp"

namespace keel::client {

/// The result of one key-value operation.
struct result {
  client::outcome outcome = client::outcome::unknown;
  std::optional<std::string> value; // get: the value; cas_mismatch: the current
                                    // value when the node reported it
  std::string error;                // why, when the outcome is not ok
  std::string node;                 // the endpoint (name()) that gave the final answer;
                                    // empty when the session gave up
  uint64_t index = 0;               // writes: the Raft index where it took effect
  bool contacted = false;           // some request of this operation reached a node
                                    // (false: every connection attempt failed)
  std::string unknown_leader;       // when not ok: a node named as the leader that is
                                    // not among the endpoints (too few endpoints given)

  bool ok() const { return outcome == client::outcome::ok; }
};

/// The result of one operator call on one node. `outcome` is ok, unavailable
/// (not carried out: no connection, or the node does not know the call or
/// answered with an error) or unknown (sent, and no answer within the deadline).
template <class T>
struct admin_result {
  client::outcome outcome = client::outcome::unknown;
  std::optional<T> value; // set iff outcome == ok
  std::string error;      // why not, in one line
  bool contacted = false; // the request reached the node (false: no connection)

  bool ok() const { return outcome == client::outcome::ok; }
};

} // namespace keel::client
