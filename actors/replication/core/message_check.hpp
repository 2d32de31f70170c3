// The structural checks of an inbound Raft message, before it reaches a
// replica: everything that can be refused without Raft state. A message from
// the network is untrusted input; raft::node's invariants (KEEL_ASSERT) guard
// the node's own state and must never be reachable from a peer's bytes. The
// network boundary calls check_inbound on every message and drops (and counts)
// what it refuses; raft::node::step re-checks what depends on its state.
//
// Every rule here holds for every message a correct raft::node sends (see
// node_election.cpp, node_leader.cpp, node_follower.cpp and node::send), so a
// refusal always means a broken or hostile peer. Pure: no CAF, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "messages/raft.pb.h"

namespace keel::raft {

/// Why an inbound message was refused; one value per rule.
enum class message_fault {
  unknown_type,             ///< type is MSG_UNSPECIFIED or not a MessageType at all
  wrong_sender,             ///< m.from differs from the connection's authenticated node
  wrong_destination,        ///< m.to is not this node
  unknown_shard,            ///< this node holds no replica of m.shard (a chunk's included)
  transport_only,           ///< MSG_TRANSPORT_HEARTBEAT, MSG_SNAPSHOT_CHUNK(_ACK) from the
                            ///< proven sender to this node: the transport's, never a replica's
  term_overflow,            ///< a term (message, log_term, entry, snapshot) above max_term
  missing_term,             ///< term 0: every replica message carries the sender's term >= 1
  log_term_above_term,      ///< log_term > term: no log holds an entry from a later term
  log_term_without_index,   ///< index 0 (the empty log) with a log_term other than 0
  entries_not_allowed,      ///< entries on anything but MSG_APPEND
  too_many_entries,         ///< more than max_entries_per_message entries
  entry_index_gap,          ///< entries not numbered index+1, index+2, ... (or would wrap)
  entry_term_missing,       ///< an entry with term 0
  entry_term_decreasing,    ///< an entry's term below its predecessor's (or below log_term)
  entry_term_above_term,    ///< an entry from a term after the message's term
  entry_type_unknown,       ///< an entry neither ENTRY_NORMAL nor ENTRY_NOOP
  snapshot_not_allowed,     ///< a snapshot on anything but MSG_SNAPSHOT
  snapshot_missing,         ///< MSG_SNAPSHOT whose metadata has index 0 or term 0
  snapshot_term_above_term, ///< snapshot metadata term above the message's term
  snapshot_voters_invalid,  ///< snapshot voters empty, or without this node or the sender
  reject_not_allowed,  ///< reject / reject_hint / reject_term on a type that never carries them
  reject_hint_invalid, ///< append response: hint above the rejected index, hint without reject,
                       ///< or reject_term above the message's term
  field_not_allowed,   ///< index, log_term, commit, context or chunk on a type that never
                       ///< carries it
  context_too_large,   ///< context longer than max_context_bytes
};

/// A short stable name for `f`, e.g. "term_overflow", for logs and counters.
std::string_view to_string(message_fault f);

/// What check_inbound needs to know about the receiving node and the connection.
struct inbound_context {
  std::string_view self; // this node's id
  std::string_view from; // the AUTHENTICATED sender (the connection's proven identity)
  std::function<bool(uint32_t)> has_shard; // whether this node holds a replica of the shard
};

/// Structural checks that need no Raft state. nullopt = acceptable.
/// Rules are checked in the order of message_fault's values (unknown_type first); the first
/// broken one is reported. transport_only is returned only for a message that passed the rules
/// before it: the sender and destination of a transport's message are checked like any other.
std::optional<message_fault> check_inbound(const Message& m, const inbound_context& ctx);

/// The highest term a message may carry: terms are incremented by campaigns, so a term this close
/// to 2^64 is refused rather than ever incremented.
inline constexpr uint64_t max_term = (uint64_t{1} << 62);

/// The most entries one MSG_APPEND may carry. raft::config::max_entries_per_append is 256 by
/// default; this leaves room for any sane setting while bounding the work one message can cause.
/// (Bytes are bounded by the transport's frame limit, not here.)
inline constexpr size_t max_entries_per_message = 16384;

/// The context of the append response with which a follower refuses a MSG_SNAPSHOT whose data it
/// cannot use (raft::node::refuse_snapshot): the leader does not resend that snapshot.
inline constexpr std::string_view snapshot_refused_context = "snapshot_refused";

/// The longest ReadIndex context a heartbeat, its response or a vote may carry. The replica's
/// contexts are "<node id>/<counter>"; the transfer campaign's is "transfer".
inline constexpr size_t max_context_bytes = 1024;

} // namespace keel::raft
