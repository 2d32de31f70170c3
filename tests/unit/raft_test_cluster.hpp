// A tiny in-memory Raft cluster for the unit tests of raft::node: every
// replica has a memory_storage and a list of applied entries, and messages
// travel through one FIFO queue that tests can filter (cut links, isolate
// nodes, drop by predicate). Each replica runs the ready loop of ready.hpp
// exactly. Deterministic: no clock, no threads; time passes only by tick().
#pragma once

#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "actors/replication/core/memory_storage.hpp"
#include "actors/replication/core/node.hpp"

namespace keel::raft::test {

/// The largest term or index a hostile message can carry.
inline constexpr uint64_t u64_max = std::numeric_limits<uint64_t>::max();

/// prefix followed by n ("p7"). Built by appending: GCC 12 warns falsely
/// (-Wrestrict) on "literal" + std::to_string(n).
inline std::string numbered(const char* prefix, uint64_t n) {
  std::string out = prefix;
  out += std::to_string(n);
  return out;
}

/// One replica: durable storage plus the volatile node and state machine.
struct replica {
  config cfg;
  std::unique_ptr<memory_storage> storage; // survives restarts
  std::unique_ptr<node> raft;              // lost on a crash
  std::vector<Entry> applied;              // entries applied (through snapshots: see snapshot_data)
  std::vector<read_state> reads;           // read states served
  std::vector<std::string> aborted_reads;
};

/// The state machine contents a snapshot carries in these tests: the data
/// of the applied normal entries, separated by '\n'.
inline std::string snapshot_data(const std::vector<Entry>& applied, uint64_t upto) {
  std::string out;
  for (const auto& e : applied)
    if (e.index() <= upto && e.type() == ENTRY_NORMAL)
      out += e.data() + "\n";
  return out;
}

/// The normal-entry payloads a replica applied, in order.
inline std::vector<std::string> applied_data(const replica& r) {
  std::vector<std::string> out;
  for (const auto& e : r.applied)
    if (e.type() == ENTRY_NORMAL)
      out.push_back(e.data());
  return out;
}

/// A cluster of replicas named n1..nN (or as given) on a filterable network.
class test_cluster {
public:
  using tweak = std::function<void(config&)>;

  explicit test_cluster(size_t n, tweak adjust = {}) {
    std::vector<std::string> ids;
    for (size_t i = 1; i <= n; ++i)
      ids.push_back(numbered("n", i));
    init(ids, std::move(adjust), {});
  }

  /// A cluster whose replicas start from the given storages (restart tests).
  test_cluster(std::vector<std::string> ids,
               std::map<std::string, std::unique_ptr<memory_storage>> storages, tweak adjust = {}) {
    init(ids, std::move(adjust), std::move(storages));
  }

  node& at(const std::string& id) { return *replicas_.at(id).raft; }
  replica& get(const std::string& id) { return replicas_.at(id); }
  const std::vector<std::string>& ids() const { return ids_; }

  // -- the network ------------------------------------------------------------

  /// Drops every message between a and b, both ways.
  void cut(const std::string& a, const std::string& b) {
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  /// Drops every message to or from id.
  void isolate(const std::string& id) {
    for (auto& other : ids_)
      if (other != id)
        cut(id, other);
  }
  /// Restores every link and removes the drop predicate.
  void heal() {
    cut_.clear();
    drop_if_ = nullptr;
  }
  /// Drops every message for which pred returns true.
  void drop_if(std::function<bool(const Message&)> pred) { drop_if_ = std::move(pred); }

  /// Every message delivered so far, in delivery order.
  const std::vector<Message>& delivered() const { return delivered_; }
  /// Messages sent but not delivered yet.
  std::deque<Message>& in_flight() { return in_flight_; }

  /// How many delivered messages match pred.
  size_t count_delivered(const std::function<bool(const Message&)>& pred) const {
    size_t n = 0;
    for (const auto& m : delivered_)
      n += pred(m) ? 1 : 0;
    return n;
  }

  // -- driving the replicas ---------------------------------------------------

  /// Runs the ready loop of replica id: persist, send (into the network),
  /// apply, advance.
  void flush(const std::string& id) {
    while (at(id).has_ready())
      process_ready(id, at(id).ready());
  }

  /// Does what ready.hpp prescribes with one ready of replica id.
  void process_ready(const std::string& id, raft::ready rd) {
    auto& r = replicas_.at(id);
    for (auto& m : rd.leader_messages) // §10.2.1: they need not wait for the disk
      in_flight_.push_back(m);
    if (rd.snapshot) {
      auto stored = r.storage->apply_snapshot(*rd.snapshot);
      EXPECT_TRUE(stored.ok());
    }
    r.storage->append(rd.entries);
    if (rd.hard_state)
      r.storage->set_hard_state(*rd.hard_state);
    for (auto& m : rd.messages)
      in_flight_.push_back(m);
    if (rd.snapshot)
      restore_state_machine(r, rd.snapshot->data());
    for (auto& e : rd.committed_entries)
      r.applied.push_back(e);
    for (auto& rs : rd.read_states)
      r.reads.push_back(rs);
    for (auto& c : rd.aborted_reads)
      r.aborted_reads.push_back(c);
    r.raft->advance(rd);
  }

  void flush_all() {
    for (auto& id : ids_)
      flush(id);
  }

  /// Delivers the oldest message in flight (unless filtered out) and flushes
  /// its receiver. Returns false if nothing was in flight.
  bool deliver_one() {
    if (in_flight_.empty())
      return false;
    auto m = std::move(in_flight_.front());
    in_flight_.pop_front();
    if (cut_.contains({m.from(), m.to()}) || (drop_if_ && drop_if_(m)))
      return true;
    delivered_.push_back(m);
    // Every message here comes from a correct node: the core must accept it.
    auto stepped = replicas_.at(m.to()).raft->step(m);
    EXPECT_TRUE(stepped.ok()) << "a correct message was refused: " << stepped.err().detail;
    flush(m.to());
    return true;
  }

  /// Flushes everyone and delivers until the network is quiet.
  void stabilize() {
    flush_all();
    for (int delivered = 0; deliver_one(); ++delivered) {
      if (delivered > 100000) { // a message storm: fail instead of looping forever
        ADD_FAILURE() << "the network never quiets down";
        in_flight_.clear();
        return;
      }
    }
  }

  /// Stabilizes, then ticks each leader once and stabilizes again: a leader
  /// does not broadcast a new commit index, its next append or tick takes
  /// it to the followers (node::send_new_commit), so this is when every
  /// replica has applied what is committed.
  void settle() {
    stabilize();
    for (auto& id : ids_)
      if (at(id).status().node_role == role::leader) {
        at(id).tick();
        flush(id);
      }
    stabilize();
  }

  /// Ticks replica id n times, flushing after each tick, without delivering.
  void tick(const std::string& id, int n = 1) {
    for (int i = 0; i < n; ++i) {
      at(id).tick();
      flush(id);
    }
  }

  /// Ticks every replica once and stabilizes, n times.
  void tick_all(int n = 1) {
    for (int i = 0; i < n; ++i) {
      for (auto& id : ids_)
        at(id).tick();
      stabilize();
    }
  }

  /// Makes id campaign and stabilizes; returns whether it became leader.
  bool elect(const std::string& id) {
    at(id).campaign();
    stabilize();
    return at(id).status().node_role == role::leader;
  }

  /// Crashes replica id (its volatile state and unflushed output are lost)
  /// and restarts it from its storage.
  void restart(const std::string& id) {
    auto& r = replicas_.at(id);
    r.raft.reset();
    // The state machine restarts from the storage's snapshot, like a real one.
    auto snap = *r.storage->snapshot();
    restore_state_machine(r, snap.data());
    r.cfg.applied = snap.metadata().index(); // what the restored state machine reflects
    r.raft = std::make_unique<node>(r.cfg);
  }

  /// Takes a snapshot of replica id's state machine at its applied index
  /// and compacts its log up to `compact_to` (<= applied).
  void snapshot_and_compact(const std::string& id, uint64_t compact_to) {
    auto& r = replicas_.at(id);
    auto applied = r.raft->status().applied;
    auto snap = r.storage->create_snapshot(applied, ids_, snapshot_data(r.applied, applied));
    ASSERT_TRUE(snap.ok());
    ASSERT_TRUE(r.storage->compact(compact_to).ok());
  }

  /// Ticks the given replicas (stabilizing after each round) until one of
  /// them leads; returns its id, or "" after max_rounds.
  std::string tick_until_leader(const std::vector<std::string>& among, int max_rounds = 100) {
    for (int i = 0; i < max_rounds; ++i) {
      for (auto& id : among)
        if (at(id).status().node_role == role::leader)
          return id;
      for (auto& id : among)
        at(id).tick();
      stabilize();
    }
    return "";
  }

  /// The leader among the replicas, or "" if none or several claim it.
  std::string leader() const {
    std::string found;
    for (const auto& [id, r] : replicas_) {
      if (r.raft->status().node_role == role::leader) {
        if (!found.empty())
          return "";
        found = id;
      }
    }
    return found;
  }

private:
  /// Replaces the state machine of r by a snapshot's data. The restored
  /// entries carry positions, not log indexes: only their data matters.
  static void restore_state_machine(replica& r, const std::string& data) {
    r.applied.clear();
    uint64_t position = 0;
    for (size_t p = 0; p < data.size();) {
      auto end = data.find('\n', p);
      Entry e;
      e.set_type(ENTRY_NORMAL);
      e.set_index(++position);
      e.set_data(data.substr(p, end - p));
      r.applied.push_back(std::move(e));
      p = end + 1;
    }
  }

  void init(const std::vector<std::string>& ids, tweak adjust,
            std::map<std::string, std::unique_ptr<memory_storage>> storages) {
    ids_ = ids;
    uint64_t seed = 1;
    for (const auto& id : ids) {
      replica r;
      r.storage
        = storages.contains(id) ? std::move(storages[id]) : std::make_unique<memory_storage>();
      r.cfg.id = id;
      r.cfg.voters = ids;
      r.cfg.seed = seed++;
      if (adjust)
        adjust(r.cfg);
      r.cfg.storage = r.storage.get();
      r.raft = std::make_unique<node>(r.cfg);
      replicas_.emplace(id, std::move(r));
    }
  }

  std::vector<std::string> ids_;
  std::map<std::string, replica> replicas_;
  std::deque<Message> in_flight_;
  std::vector<Message> delivered_;
  std::set<std::pair<std::string, std::string>> cut_;
  std::function<bool(const Message&)> drop_if_;
};

/// An entry with the given index and term (and optional data), for building logs.
/// The config of node "a" among `voters` over `storage`: one node that a test
/// drives by hand, message by message (the others exist only as ids).
inline config lone_node(log_storage& storage, std::vector<std::string> voters = {"a", "b", "c"}) {
  config cfg;
  cfg.id = "a";
  cfg.voters = std::move(voters);
  cfg.storage = &storage;
  return cfg;
}

inline Entry make_entry(uint64_t index, uint64_t term, std::string data = {}) {
  Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_type(ENTRY_NORMAL);
  e.set_data(std::move(data));
  return e;
}

/// A storage holding entries with the given terms at indexes 1, 2, ... and
/// the given hard-state term.
inline std::unique_ptr<memory_storage> storage_with_terms(const std::vector<uint64_t>& terms,
                                                          uint64_t current_term) {
  auto s = std::make_unique<memory_storage>();
  std::vector<Entry> ents;
  for (size_t i = 0; i < terms.size(); ++i)
    ents.push_back(make_entry(i + 1, terms[i], numbered("e", i + 1)));
  s->append(ents);
  HardState hs;
  hs.set_term(current_term);
  s->set_hard_state(hs);
  return s;
}

/// A message of the given type from -> to at term, for stepping by hand.
inline Message make_message(MessageType type, const std::string& from, const std::string& to,
                            uint64_t term) {
  Message m;
  m.set_type(type);
  m.set_from(from);
  m.set_to(to);
  m.set_term(term);
  return m;
}

} // namespace keel::raft::test
