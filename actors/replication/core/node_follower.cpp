// raft::node as follower: the receiver side of AppendEntries (§5.3, with the
// hint for fast backtracking), of heartbeats, and of InstallSnapshot (§7).
#include <algorithm>

#include "actors/replication/core/logger.hpp"
#include "actors/replication/core/node.hpp"

namespace keel::raft {

void node::handle_append(const Message& m) {
  auto resp = reply_to(m, MSG_APPEND_RESP);
  if (m.index() < log_.committed()) {
    // Everything up to our commit index is settled; report it so the
    // leader skips ahead (a delayed or duplicated append).
    resp.set_index(log_.committed());
    send(std::move(resp));
    return;
  }
  std::vector<Entry> ents(m.entries().begin(), m.entries().end());
  if (auto last_new = log_.maybe_append(m.index(), m.log_term(), m.commit(), ents)) {
    resp.set_index(*last_new); // sent only after these entries are durable (ready contract)
    send(std::move(resp));
    return;
  }
  // §5.3: the consistency check failed. Hint at the last entry that can
  // still match: the largest index <= m.index() whose term is <= m.log_term()
  // (every entry after it has a larger term, so the leader cannot hold it).
  auto [hint_index, hint_term]
    = log_.find_conflict_by_term(std::min(m.index(), log_.last_index()), m.log_term());
  resp.set_index(m.index());
  resp.set_reject(true);
  resp.set_reject_hint(hint_index);
  resp.set_reject_term(hint_term);
  write_log(log_level::debug, "rejected append index=" + std::to_string(m.index())
                                + " hint=" + std::to_string(hint_index));
  send(std::move(resp));
}

void node::handle_heartbeat(const Message& m) {
  // The leader sends at most our match index, which we hold; the clamp
  // keeps any other value from reaching raft_log::commit_to's invariant.
  log_.commit_to(std::min(m.commit(), log_.last_index()));
  auto resp = reply_to(m, MSG_HEARTBEAT_RESP);
  resp.set_context(m.context()); // a ReadIndex confirmation (thesis §6.4)
  send(std::move(resp));
}

void node::handle_snapshot(const Message& m) {
  auto resp = reply_to(m, MSG_APPEND_RESP);
  if (restore(m.snapshot())) {
    write_log(log_level::info,
              "restored snapshot index=" + std::to_string(m.snapshot().metadata().index()));
    resp.set_index(log_.last_index());
  } else {
    resp.set_index(log_.committed());
  }
  send(std::move(resp));
}

bool node::restore(const Snapshot& snap) {
  const auto index = snap.metadata().index();
  const auto term = snap.metadata().term();
  if (index <= log_.committed())
    return false; // older than what we know is committed: nothing to learn
  if (log_.match_term(index, term)) {
    // §7: the log already holds the snapshot's last entry; keep the entries
    // after it and just learn that everything up to it is committed.
    log_.commit_to(index);
    return false;
  }
  // §7: discard the entire log; the snapshot replaces it.
  log_.restore(snap);
  return true;
}

} // namespace keel::raft
