// check_inbound: what a correct raft::node can send, per message type. Each
// rule cites where the sender side fixes the field, so that a change there can
// be matched here (the unit test replays a whole cluster's traffic through it).
#include "actors/replication/core/message_check.hpp"

#include <algorithm>
#include <limits>

namespace keel::raft {

namespace {

/// Which optional fields a message type may carry. Anything else must be at
/// its proto3 default: a correct sender never sets it, and a field nobody
/// reads is still a hostile peer's way to smuggle bytes into the log or a
/// later code path that starts reading it.
struct shape {
  bool index = false;
  bool log_term = false;
  bool commit = false;
  bool context = false;
  bool entries = false;
  bool snapshot = false;
  bool reject = false;
  bool reject_detail = false; // reject_hint and reject_term
};

std::optional<shape> shape_of(MessageType t) {
  switch (t) {
    case MSG_PRE_VOTE: // node::start_campaign: last index and term
      return shape{.index = true, .log_term = true};
    case MSG_VOTE: // plus the transfer campaign's context
      return shape{.index = true, .log_term = true, .context = true};
    case MSG_PRE_VOTE_RESP: // node::handle_vote_request, node::admit_term
    case MSG_VOTE_RESP: return shape{.reject = true};
    case MSG_APPEND: // node::send_append
      return shape{.index = true, .log_term = true, .commit = true, .entries = true};
    case MSG_APPEND_RESP: // node::handle_append, handle_snapshot, refuse_snapshot, admit_term
      return shape{.index = true, .context = true, .reject = true, .reject_detail = true};
    case MSG_HEARTBEAT: // node::send_heartbeat
      return shape{.commit = true, .context = true};
    case MSG_HEARTBEAT_RESP: // node::handle_heartbeat
      return shape{.context = true};
    case MSG_SNAPSHOT: // node::send_snapshot
      return shape{.snapshot = true};
    case MSG_TIMEOUT_NOW: // node::send_timeout_now
      return shape{};
    default: return std::nullopt;
  }
}

bool any_term_overflows(const Message& m) {
  if (m.term() > max_term || m.log_term() > max_term || m.reject_term() > max_term)
    return true;
  if (m.has_snapshot() && m.snapshot().metadata().term() > max_term)
    return true;
  return std::any_of(m.entries().begin(), m.entries().end(),
                     [](const Entry& e) { return e.term() > max_term; });
}

std::optional<message_fault> check_entries(const Message& m) {
  const auto n = static_cast<uint64_t>(m.entries_size());
  if (n > max_entries_per_message)
    return message_fault::too_many_entries;
  if (n > 0 && m.index() > std::numeric_limits<uint64_t>::max() - n)
    return message_fault::entry_index_gap; // the last index would wrap
  uint64_t prev_term = m.log_term();
  for (uint64_t i = 0; i < n; ++i) {
    const auto& e = m.entries(static_cast<int>(i));
    if (e.index() != m.index() + 1 + i)
      return message_fault::entry_index_gap;
    if (e.term() == 0)
      return message_fault::entry_term_missing;
    // Log Matching (§5.3): terms never decrease along a log, and the entry at
    // m.index() (term log_term) precedes these.
    if (e.term() < prev_term)
      return message_fault::entry_term_decreasing;
    if (e.term() > m.term())
      return message_fault::entry_term_above_term;
    if (e.type() != ENTRY_NORMAL && e.type() != ENTRY_NOOP)
      return message_fault::entry_type_unknown;
    prev_term = e.term();
  }
  return std::nullopt;
}

std::optional<message_fault> check_snapshot(const Message& m, const inbound_context& ctx) {
  const auto& meta = m.snapshot().metadata();
  if (!m.has_snapshot() || meta.index() == 0 || meta.term() == 0)
    return message_fault::snapshot_missing;
  if (meta.term() > m.term())
    return message_fault::snapshot_term_above_term;
  // The snapshot's configuration is the group the leader replicates to: it
  // names the leader and us (replica_actor and the tests pass the voters).
  const auto& voters = meta.voters();
  auto has = [&](std::string_view id) {
    return std::any_of(voters.begin(), voters.end(), [&](const std::string& v) { return v == id; });
  };
  if (voters.empty() || !has(ctx.self) || !has(m.from()))
    return message_fault::snapshot_voters_invalid;
  return std::nullopt;
}

// The transports' own messages: never a replica's (snapshot_chunks.hpp,
// transport_actor.cpp).
bool is_transport_only(MessageType t) {
  return t == MSG_TRANSPORT_HEARTBEAT || t == MSG_SNAPSHOT_CHUNK || t == MSG_SNAPSHOT_CHUNK_ACK;
}

} // namespace

std::string_view to_string(message_fault f) {
  switch (f) {
    case message_fault::unknown_type: return "unknown_type";
    case message_fault::transport_only: return "transport_only";
    case message_fault::wrong_sender: return "wrong_sender";
    case message_fault::wrong_destination: return "wrong_destination";
    case message_fault::unknown_shard: return "unknown_shard";
    case message_fault::term_overflow: return "term_overflow";
    case message_fault::missing_term: return "missing_term";
    case message_fault::log_term_above_term: return "log_term_above_term";
    case message_fault::log_term_without_index: return "log_term_without_index";
    case message_fault::entries_not_allowed: return "entries_not_allowed";
    case message_fault::too_many_entries: return "too_many_entries";
    case message_fault::entry_index_gap: return "entry_index_gap";
    case message_fault::entry_term_missing: return "entry_term_missing";
    case message_fault::entry_term_decreasing: return "entry_term_decreasing";
    case message_fault::entry_term_above_term: return "entry_term_above_term";
    case message_fault::entry_type_unknown: return "entry_type_unknown";
    case message_fault::snapshot_not_allowed: return "snapshot_not_allowed";
    case message_fault::snapshot_missing: return "snapshot_missing";
    case message_fault::snapshot_term_above_term: return "snapshot_term_above_term";
    case message_fault::snapshot_voters_invalid: return "snapshot_voters_invalid";
    case message_fault::reject_not_allowed: return "reject_not_allowed";
    case message_fault::reject_hint_invalid: return "reject_hint_invalid";
    case message_fault::field_not_allowed: return "field_not_allowed";
    case message_fault::context_too_large: return "context_too_large";
  }
  return "unknown_fault";
}

std::optional<message_fault> check_inbound(const Message& m, const inbound_context& ctx) {
  const bool transport_only = is_transport_only(m.type());
  if (!transport_only && !shape_of(m.type()))
    return message_fault::unknown_type;
  // Who: the claimed sender must be the proven one, or a peer could speak
  // (and vote) in another node's name, or stage a snapshot in its name.
  if (m.from().empty() || m.from() != ctx.from)
    return message_fault::wrong_sender;
  if (m.to() != ctx.self)
    return message_fault::wrong_destination;
  if (transport_only) {
    // A heartbeat's shard means nothing; a chunk's is the replica it is for.
    if (m.type() != MSG_TRANSPORT_HEARTBEAT && (!ctx.has_shard || !ctx.has_shard(m.shard())))
      return message_fault::unknown_shard;
    return message_fault::transport_only; // their fields are the transport's to check
  }
  auto allowed = shape_of(m.type());
  if (!ctx.has_shard || !ctx.has_shard(m.shard()))
    return message_fault::unknown_shard;
  // Terms: node::send stamps the sender's term on everything, and a node only
  // sends after it saw a term >= 1 (a campaign, or a peer's message).
  if (any_term_overflows(m))
    return message_fault::term_overflow;
  if (m.term() == 0)
    return message_fault::missing_term;
  if (m.log_term() > m.term())
    return message_fault::log_term_above_term; // a candidate's or leader's log is never ahead of it
  if (m.index() == 0 && m.log_term() != 0)
    return message_fault::log_term_without_index; // term(0) of every log is 0
  // Shape.
  if (m.entries_size() > 0 && !allowed->entries)
    return message_fault::entries_not_allowed;
  if (auto f = check_entries(m))
    return f;
  if (m.has_snapshot() && !allowed->snapshot)
    return message_fault::snapshot_not_allowed;
  if (allowed->snapshot) {
    if (auto f = check_snapshot(m, ctx))
      return f;
  }
  if ((m.reject() && !allowed->reject)
      || ((m.reject_hint() != 0 || m.reject_term() != 0) && !allowed->reject_detail))
    return message_fault::reject_not_allowed;
  if (allowed->reject_detail) {
    // node::handle_append: hint = find_conflict_by_term(min(index, last)) <= index,
    // and its term is one of the follower's own, so <= the follower's term.
    const bool detail = m.reject_hint() != 0 || m.reject_term() != 0;
    if ((detail && !m.reject()) || m.reject_hint() > m.index() || m.reject_term() > m.term())
      return message_fault::reject_hint_invalid;
  }
  if ((m.index() != 0 && !allowed->index) || (m.log_term() != 0 && !allowed->log_term)
      || (m.commit() != 0 && !allowed->commit) || (!m.context().empty() && !allowed->context)
      || m.has_chunk())
    return message_fault::field_not_allowed;
  if (m.type() == MSG_APPEND_RESP && !m.context().empty()
      && (!m.reject() || m.context() != snapshot_refused_context))
    return message_fault::field_not_allowed; // the only context an append response carries
  if (m.context().size() > max_context_bytes)
    return message_fault::context_too_large;
  return std::nullopt;
}

} // namespace keel::raft
