// The simulated world: replicas and their shells, faults, clients, and the
// chaos and convergence phases.
#include "sim_world.hpp"

#include <algorithm>

#include "actors/replication/core/logger.hpp"
#include "actors/replication/core/memory_storage.hpp"
#include "actors/replication/core/node.hpp"
#include "actors/storage/core/engine.hpp"
#include "actors/storage/core/kv_state_machine.hpp"
#include "actors/storage/core/memory_store.hpp"
#include "messages/command.pb.h"
#include "sim_checker.hpp"
#include "sim_network.hpp"
#include "sim_random.hpp"

namespace keel::sim {

sim_stats& sim_stats::operator+=(const sim_stats& o) {
  commits += o.commits;
  leaderships += o.leaderships;
  crashes += o.crashes;
  partitions += o.partitions;
  snapshots_installed += o.snapshots_installed;
  compactions += o.compactions;
  reads_served += o.reads_served;
  transfers += o.transfers;
  leader_hints += o.leader_hints;
  proposals_held_back += o.proposals_held_back;
  messages += o.messages;
  dropped += o.dropped;
  duplicated += o.duplicated;
  values_checked += o.values_checked;
  return *this;
}

namespace {

using raft::Message;

/// prefix followed by n ("c17"). Built by appending: GCC 12 warns falsely
/// (-Wrestrict) on "literal" + std::to_string(n).
std::string numbered(const char* prefix, uint64_t n) {
  std::string out = prefix;
  out += std::to_string(n);
  return out;
}

/// Strings with their lengths in front: the commands are serialized
/// CommandBatches, which may hold any byte.
std::string encode_strings(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    auto n = static_cast<uint64_t>(p.size());
    for (int i = 0; i < 8; ++i)
      out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    out += p;
  }
  return out;
}

std::vector<std::string> decode_strings(const std::string& data) {
  std::vector<std::string> out;
  for (size_t p = 0; p + 8 <= data.size();) {
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
      n = (n << 8) | static_cast<uint8_t>(data[p + static_cast<size_t>(i)]);
    out.push_back(data.substr(p + 8, n));
    p += 8 + n;
  }
  return out;
}

/// The sessions are small, so that evictions and expiry happen within a run.
constexpr storage::session_limits sim_sessions{.max_sessions = 2, .session_timeout_ms = 150};

/// The key-value state of one replica (or of the reference): the real state
/// machine of a shard over an engine on a memory store.
struct kv_state {
  kv_state() {
    auto opened = storage::engine::open(std::make_shared<storage::memory_store>(), "sim", 1);
    if (!opened)
      throw std::runtime_error("memory engine: " + opened.error().detail);
    db = std::move(opened).value();
    sm = std::make_unique<storage::kv_state_machine>(*db, 0, sim_sessions);
  }

  /// Applies a committed entry (a no-op as an empty batch: it only moves the
  /// applied index). Returns what is wrong, if anything.
  std::optional<std::string> apply(const raft::Entry& e) {
    command::CommandBatch commands;
    if (e.type() == raft::ENTRY_NORMAL && !commands.ParseFromString(e.data()))
      return "entry " + std::to_string(e.index()) + " is not a CommandBatch";
    auto batch = db->make_batch();
    sm->apply(commands, e.index(), e.term(), batch);
    // Synced: this store lives as long as the replica's process and is never
    // crashed, so a sync only spares it a list of commits it could lose.
    if (auto committed = db->commit(batch, true); !committed)
      return committed.error().detail;
    return std::nullopt;
  }

  /// Replaces everything by a snapshot's state.
  std::optional<std::string> restore(const std::string& shard_snapshot) {
    storage::ShardSnapshot snap;
    if (!snap.ParseFromString(shard_snapshot))
      return "snapshot data is not a ShardSnapshot";
    if (auto imported = db->import_shard(snap); !imported)
      return imported.error().detail;
    sm = std::make_unique<storage::kv_state_machine>(*db, 0, sim_sessions);
    return std::nullopt;
  }

  /// Data, sessions and applied index, serialized: equal states, equal bytes.
  std::string state() const { return db->export_shard(0).SerializeAsString(); }

  std::unique_ptr<storage::engine> db;
  std::unique_ptr<storage::kv_state_machine> sm;
};

/// A snapshot's data: the applied commands (for the checker) and the
/// key-value state (what a real snapshot holds).
std::string encode_snapshot(const std::vector<std::string>& commands, const kv_state& kv) {
  return encode_strings({encode_strings(commands), kv.state()});
}

/// One replica: durable storage, and the volatile node and state machine.
struct replica {
  std::string id;
  raft::config cfg;
  std::unique_ptr<raft::memory_storage> storage; // survives crashes
  std::unique_ptr<raft::node> raft;              // null while crashed
  std::vector<std::string> commands;             // applied commands, for the checker
  std::unique_ptr<kv_state> kv;                  // the state machine
  uint64_t applied = 0;                          // index the state machine reflects
  bool output_pending = false;                   // ready() work not yet done (slow shell)
  std::optional<raft::ready> in_flight;          // taken from the node, not yet persisted
  uint64_t restart_at = 0;                       // while crashed: when it comes back

  bool up() const { return raft != nullptr; }
};

/// Forwards a node's log lines into the trace.
class trace_logger final : public raft::logger {
public:
  trace_logger(std::deque<std::string>& trace, const uint64_t& now)
    : trace_(trace),
      now_(now) {}
  void write(raft::log_level level, std::string_view line) override {
    if (level == raft::log_level::debug)
      return;
    trace_.push_back("t=" + std::to_string(now_) + " " + std::string(line));
    if (trace_.size() > 400)
      trace_.pop_front();
  }

private:
  std::deque<std::string>& trace_;
  const uint64_t& now_;
};

class world {
public:
  explicit world(const sim_params& p)
    : params_(p),
      rng_(p.seed),
      net_(rng_),
      tracer_(result_.trace, now_) {
    std::vector<std::string> ids;
    for (size_t i = 1; i <= p.nodes; ++i)
      ids.push_back(numbered("n", i));
    // Each seed also draws the configuration, so every option gets covered.
    raft::config base;
    base.voters = ids;
    base.shard = 3;
    base.election_ticks = 10;
    base.heartbeat_ticks = 1 + rng_.pick(2);
    base.pre_vote = rng_.chance(750);
    base.check_quorum = rng_.chance(750);
    base.max_entries_per_append = 1 + rng_.pick(8);
    base.max_inflight_appends = 1 + rng_.pick(6);
    base.max_apply_bytes = rng_.chance(500) ? 64 : 1 << 20;
    // Back-pressure: a tight bound (a few proposals) in some seeds.
    base.max_uncommitted_bytes = rng_.chance(300) ? 16 + rng_.pick(48) : 8 << 20;
    base.snapshot_timeout_ticks = 30;
    base.log = p.trace ? &tracer_ : nullptr;
    for (const auto& id : ids) {
      replica r;
      r.id = id;
      r.cfg = base;
      r.cfg.id = id;
      r.storage = std::make_unique<raft::memory_storage>();
      replicas_.emplace(id, std::move(r));
    }
    for (auto& [id, r] : replicas_)
      start(r);
    compact_threshold_ = 10 + rng_.pick(30);
  }

  sim_result run() {
    net_.set_faults({.drop_permille = static_cast<uint32_t>(rng_.between(0, 100)),
                     .duplicate_permille = static_cast<uint32_t>(rng_.between(0, 50)),
                     .max_delay_ticks = rng_.between(0, 4)});
    for (uint64_t i = 0; i < params_.chaos_ticks && !failed(); ++i)
      run_tick(true);
    if (!failed())
      converge();
    if (auto& v = checker_.violation(); v && !result_.failure)
      result_.failure = "seed " + std::to_string(params_.seed) + ": " + *v;
    result_.stats.commits = checker_.committed_count();
    result_.stats.leaderships = checker_.leaderships();
    result_.stats.messages = net_.sent;
    result_.stats.dropped = net_.dropped;
    result_.stats.duplicated = net_.duplicated;
    result_.fingerprint = fingerprint();
    return std::move(result_);
  }

private:
  bool failed() const { return checker_.violation().has_value() || result_.failure.has_value(); }

  void trace(const std::string& line) {
    if (!params_.trace)
      return;
    result_.trace.push_back("t=" + std::to_string(now_) + " " + line);
    if (result_.trace.size() > 400)
      result_.trace.pop_front();
  }

  // -- time -------------------------------------------------------------------

  /// One tick: faults, clocks, clients, message delivery, lagging shells.
  void run_tick(bool chaos) {
    ++now_;
    chaos_ = chaos;
    if (chaos)
      inject_faults();
    deliver_hints(chaos);
    for (auto& [id, r] : replicas_)
      if (!r.up() && r.restart_at <= now_)
        start(r);
    for (auto& [id, r] : replicas_) {
      if (r.up()) {
        r.raft->tick();
        after_step(r, chaos);
      }
    }
    act_as_clients(chaos);
    while (auto m = net_.next_due(now_)) {
      deliver(*m, chaos);
      if (failed())
        return;
    }
    for (auto& [id, r] : replicas_)
      if (r.up() && r.output_pending && (!chaos || rng_.chance(500)))
        process_output(r);
  }

  void deliver(const Message& m, bool chaos) {
    auto& r = replicas_.at(m.to());
    const bool lost = !r.up() || !net_.connected(m.from(), m.to());
    if (!lost) {
      // Every replica here is correct: the core must never refuse its messages.
      if (auto stepped = r.raft->step(m); !stepped.ok() && !result_.failure)
        result_.failure = "seed " + std::to_string(params_.seed) + ": " + r.id
                          + " refused a correct message: " + stepped.err().detail;
      after_step(r, chaos);
    }
    // Sometimes the transport notices (a refused connection) and tells the sender.
    auto& sender = replicas_.at(m.from());
    if (!sender.up() || !rng_.chance(300))
      return;
    if (m.type() == raft::MSG_SNAPSHOT)
      sender.raft->report_snapshot(m.to(), !lost);
    else if (lost)
      sender.raft->report_unreachable(m.to());
    else
      return;
    after_step(sender, chaos);
  }

  /// After a node changed: check it, then let its shell work now or later.
  /// A busy shell either leaves the output in the node, or takes a ready and
  /// persists it later while the node goes on (as an asynchronous fsync does).
  void after_step(replica& r, bool chaos) {
    checker_.on_state(r.id, *r.raft);
    if (!chaos || !rng_.chance(300)) {
      process_output(r);
      return;
    }
    r.output_pending = true;
    if (!r.in_flight && r.raft->has_ready() && rng_.chance(500)) {
      r.in_flight = r.raft->ready();
      send_leader_messages(*r.in_flight); // out before the slow disk write (§10.2.1)
    }
  }

  /// Step 0 of ready.hpp: a leader's appends and heartbeats leave before its
  /// own write, so a crash before that write (crash(), in_flight) loses the
  /// leader's copy of entries the followers may already hold.
  void send_leader_messages(raft::ready& rd) {
    for (auto& m : rd.leader_messages)
      net_.send(std::move(m), now_);
    rd.leader_messages.clear();
  }

  // -- the replica shell: the ready loop of ready.hpp --------------------------

  /// Finishes the ready in flight, then drains the node.
  void process_output(replica& r) {
    r.output_pending = false;
    if (r.in_flight) {
      auto rd = std::move(*r.in_flight);
      r.in_flight.reset();
      if (!handle_ready(r, std::move(rd)))
        return;
    }
    while (r.raft->has_ready())
      if (!handle_ready(r, r.raft->ready()))
        return;
  }

  /// Does with one ready what ready.hpp prescribes. Returns false if the
  /// replica crashed (or the run failed) meanwhile.
  bool handle_ready(replica& r, raft::ready rd) {
    send_leader_messages(rd);
    // 1. persist
    if (rd.snapshot) {
      auto stored = r.storage->apply_snapshot(*rd.snapshot);
      if (!stored.ok())
        result_.failure
          = "shell: " + r.id + " could not store snapshot: " + raft::to_string(stored.code());
    }
    r.storage->append(rd.entries);
    checker_.on_persist(r.id, rd.entries, *r.storage);
    if (rd.hard_state)
      r.storage->set_hard_state(*rd.hard_state);
    // 2. send
    for (auto& m : rd.messages)
      net_.send(std::move(m), now_);
    // 3. apply
    if (rd.snapshot) {
      if (!restore(r, *rd.snapshot))
        return false;
      checker_.on_restore(r.id, r.applied, r.commands);
      ++result_.stats.snapshots_installed;
      trace(r.id + " installed snapshot index=" + std::to_string(r.applied));
    }
    auto term = r.raft->status().term;
    for (const auto& e : rd.committed_entries) {
      if (e.index() != r.applied + 1) {
        result_.failure = "seed " + std::to_string(params_.seed) + ": " + r.id + " applied index "
                          + std::to_string(e.index()) + " after " + std::to_string(r.applied);
        return false;
      }
      checker_.on_apply(r.id, e, term);
      if (e.type() == raft::ENTRY_NORMAL)
        r.commands.push_back(e.data());
      if (auto error = r.kv->apply(e)) {
        result_.failure = "seed " + std::to_string(params_.seed) + ": " + r.id + ": " + *error;
        return false;
      }
      r.applied = e.index();
      learn_committed(e);
    }
    // 4. serve reads
    for (const auto& rs : rd.read_states) {
      checker_.on_read_served(r.id, rs.context, rs.index, r.applied);
      ++result_.stats.reads_served;
    }
    // 5. advance
    r.raft->advance(rd);
    maybe_compact(r);
    if (chaos_ && rng_.chance(3)) {
      // The machine dies between two readies: whatever the next ready
      // would persist is lost, while this one's messages are out.
      crash(r);
      return false;
    }
    return true;
  }

  /// §7: snapshot the state machine and drop the log behind it, keeping a
  /// short tail so that slightly lagging followers need no snapshot.
  void maybe_compact(replica& r) {
    auto first = r.storage->first_index();
    if (r.applied < first || r.applied - first < compact_threshold_)
      return;
    if (r.applied > r.storage->snapshot()->metadata().index()) {
      auto snap
        = r.storage->create_snapshot(r.applied, r.cfg.voters, encode_snapshot(r.commands, *r.kv));
      if (!snap.ok())
        return;
    }
    auto keep = rng_.between(0, 5);
    if (r.applied > keep && r.applied - keep >= first) {
      if (auto compacted = r.storage->compact(r.applied - keep); !compacted.ok()) {
        result_.failure
          = "shell: " + r.id + " could not compact its log: " + raft::to_string(compacted.code());
        return;
      }
      ++result_.stats.compactions;
    }
  }

  // -- values ------------------------------------------------------------------

  /// Installs a snapshot into r's state machine. Its key-value state must be
  /// the reference's at its index: a snapshot carries values, not a log.
  bool restore(replica& r, const raft::Snapshot& snap) {
    auto parts = decode_strings(snap.data());
    auto index = snap.metadata().index();
    auto fail = [&](const std::string& what) {
      result_.failure = "seed " + std::to_string(params_.seed) + ": " + r.id + " snapshot at index "
                        + std::to_string(index) + ": " + what;
      return false;
    };
    if (parts.size() != 2)
      return fail("not a simulation snapshot");
    r.kv = std::make_unique<kv_state>();
    if (auto error = r.kv->restore(parts[1]))
      return fail(*error);
    r.commands = decode_strings(parts[0]);
    r.applied = index;
    if (!same_as_reference(r, "installed a snapshot"))
      return false;
    return true;
  }

  /// The reference state machine applies each committed entry once, in index
  /// order, whichever replica reports it first (the checker has made sure
  /// that all report the same entry at each index).
  void learn_committed(const raft::Entry& e) {
    if (e.index() <= reference_applied_)
      return;
    learned_.emplace(e.index(), e);
    for (auto next = learned_.find(reference_applied_ + 1); next != learned_.end();
         next = learned_.find(reference_applied_ + 1)) {
      if (auto error = reference_.apply(next->second)) {
        result_.failure = "seed " + std::to_string(params_.seed) + ": reference: " + *error;
        return;
      }
      reference_applied_ = next->first;
      reference_at_.emplace(reference_applied_, reference_.state());
      learned_.erase(next);
    }
  }

  /// Whether r's key-value state (data, sessions and their answers, applied
  /// index) is the reference's at r's applied index.
  bool same_as_reference(const replica& r, const char* when) {
    auto expected = reference_at_.find(r.applied);
    if (expected == reference_at_.end()) {
      result_.failure = "seed " + std::to_string(params_.seed) + ": " + r.id + " " + when
                        + " at index " + std::to_string(r.applied)
                        + ", which no replica has applied";
      return false;
    }
    ++result_.stats.values_checked;
    if (r.kv->state() == expected->second)
      return true;
    result_.failure = "seed " + std::to_string(params_.seed) + ": " + r.id + " " + when
                      + ": its keys and sessions at index " + std::to_string(r.applied)
                      + " differ from the committed log's";
    return false;
  }

  // -- crashes ----------------------------------------------------------------

  /// Starts (or restarts) r from its storage: the state machine from the
  /// stored snapshot, the node from the stored hard state and log (§5.1).
  void start(replica& r) {
    auto snap = *r.storage->snapshot();
    r.kv = std::make_unique<kv_state>();
    r.commands.clear();
    r.applied = 0;
    if (snap.metadata().index() > 0) {
      if (!restore(r, snap))
        return;
      checker_.on_restore(r.id, r.applied, r.commands);
    }
    r.cfg.applied = r.applied;
    r.cfg.seed = rng_.next();
    r.cfg.storage = r.storage.get();
    r.raft = std::make_unique<raft::node>(r.cfg);
    r.output_pending = false;
    r.in_flight.reset();
    trace(r.id + " started applied=" + std::to_string(r.applied));
  }

  /// The transports' hints that a connection closed (node::peer_unreachable),
  /// delivered at the next tick. Hints are not proof: some are about nodes
  /// that are alive (a link blip, a partition), and some never come.
  void deliver_hints(bool chaos) {
    auto hints = std::move(hints_);
    hints_.clear();
    for (auto& [to, about] : hints) {
      auto& r = replicas_.at(to);
      if (!r.up())
        continue;
      auto before = r.raft->status();
      r.raft->peer_unreachable(about);
      if (before.node_role == raft::role::follower && before.leader_id == about)
        ++result_.stats.leader_hints;
      after_step(r, chaos);
    }
  }

  void hint_others(const std::string& about, uint32_t permille) {
    for (auto& [id, r] : replicas_)
      if (id != about && rng_.chance(permille))
        hints_.emplace_back(id, about);
  }

  /// Everything volatile is lost: the node, its unprocessed output, the state machine.
  void crash(replica& r) {
    hint_others(r.id, 700); // its sockets closed
    checker_.on_crash(r.id);
    r.raft.reset();
    r.commands.clear();
    r.kv.reset();
    r.output_pending = false;
    r.in_flight.reset(); // taken but not persisted: lost with its messages
    r.restart_at = now_ + rng_.between(5, 60);
    ++result_.stats.crashes;
    trace(r.id + " crashed");
  }

  // -- faults and clients ------------------------------------------------------

  void inject_faults() {
    if (rng_.chance(15)) {
      // Split the group into two random sides (maybe one node alone).
      std::map<std::string, int> groups;
      for (auto& [id, r] : replicas_)
        groups[id] = static_cast<int>(rng_.pick(2));
      net_.partition(groups);
      partition_until_ = now_ + rng_.between(10, 80);
      ++result_.stats.partitions;
      trace("partition");
      for (auto& [a, side_a] : groups)
        for (auto& [b, side_b] : groups)
          if (side_a != side_b && rng_.chance(300))
            hints_.emplace_back(a, b); // the link broke, the node lives on
    } else if (net_.partitioned() && now_ >= partition_until_) {
      net_.heal();
      trace("partition healed");
    }
    if (rng_.chance(10)) { // a blip: one link closed and reopened at once
      auto pick = [&] {
        return std::next(replicas_.begin(),
                         static_cast<std::ptrdiff_t>(rng_.pick(replicas_.size())))
          ->first;
      };
      auto to = pick();
      auto about = pick();
      if (to != about)
        hints_.emplace_back(to, about);
    }
    if (rng_.chance(12)) {
      auto& r
        = std::next(replicas_.begin(), static_cast<std::ptrdiff_t>(rng_.pick(replicas_.size())))
            ->second;
      if (r.up())
        crash(r);
    }
  }

  std::vector<replica*> leaders() {
    std::vector<replica*> out;
    for (auto& [id, r] : replicas_)
      if (r.up() && r.raft->status().node_role == raft::role::leader)
        out.push_back(&r);
    return out;
  }

  /// Clients: they find a node that claims to lead (maybe a stale one) and
  /// propose, read, or ask it to hand over leadership. While the group
  /// converges they only read, so that the final proposal is the last one.
  void act_as_clients(bool chaos) {
    auto ls = leaders();
    if (ls.empty())
      return;
    auto& r = *ls[rng_.pick(ls.size())];
    if (chaos && rng_.chance(400)) {
      auto n = rng_.between(1, 3);
      for (uint64_t i = 0; i < n; ++i)
        if (auto proposed = r.raft->propose(next_proposal()); !proposed.ok()) {
          if (proposed.code() == raft::errc::uncommitted_limit)
            ++result_.stats.proposals_held_back;
          break; // a leader stepping down, handing over or full refuses: its client tries later
        }
    }
    if (rng_.chance(50)) {
      auto context = numbered("r", next_read_++);
      checker_.on_read_started(context);
      if (!r.raft->read_index(context).ok()) {
        // Refused (no longer leader): the read is never served, and the
        // checker checks only the reads that are.
      }
    }
    if (chaos && rng_.chance(5)) {
      auto& to = r.cfg.voters[rng_.pick(r.cfg.voters.size())];
      if (r.raft->transfer_leadership(to).ok())
        ++result_.stats.transfers;
    }
    after_step(r, chaos);
  }

  /// A client's next command: a put, delete or compare-and-swap on a few
  /// keys, in one of three sessions; sometimes a retry of the client's last
  /// command (deduplicated), rarely its seq reused for another command
  /// (refused), or a command without a session.
  std::string next_proposal() {
    auto client = rng_.pick(clients_.size());
    auto& last = clients_[client];
    command::CommandBatch batch;
    batch.set_leader_time_ms(now_);
    if (last.has_put() || last.has_del() || last.has_cas()) {
      if (rng_.chance(150)) {
        *batch.add_commands() = last;
        return batch.SerializeAsString();
      }
    }
    command::Command cmd;
    auto key = numbered("k", rng_.pick(4));
    switch (rng_.pick(3)) {
      case 0:
        cmd.mutable_put()->set_key(key);
        cmd.mutable_put()->set_value(numbered("v", next_command_++));
        break;
      case 1: cmd.mutable_del()->set_key(key); break;
      default: {
        auto* cas = cmd.mutable_cas();
        cas->set_key(key);
        cas->set_expect_absent(rng_.chance(300));
        if (!cas->expect_absent())
          cas->set_expected(numbered("v", rng_.pick(next_command_ + 1)));
        cas->set_value(numbered("v", next_command_++));
      }
    }
    if (!rng_.chance(100)) {
      cmd.set_client_id(client + 1);
      cmd.set_seq(rng_.chance(20) && last.seq() > 0 ? last.seq() : last.seq() + 1);
      last = cmd;
    }
    *batch.add_commands() = std::move(cmd);
    return batch.SerializeAsString();
  }

  /// A put of a fresh value, outside any session: unique, so that its
  /// application shows that a replica has caught up.
  std::string final_proposal() {
    command::CommandBatch batch;
    batch.set_leader_time_ms(now_);
    auto* put = batch.add_commands()->mutable_put();
    put->set_key("final");
    put->set_value(numbered("final", next_command_++));
    return batch.SerializeAsString();
  }

  // -- convergence ---------------------------------------------------------------

  /// Heals everything and requires that the group elects a leader, commits
  /// new proposals, and that every replica applies the same commands.
  void converge() {
    net_.heal();
    net_.set_faults({.drop_permille = 0, .duplicate_permille = 0, .max_delay_ticks = 1});
    for (auto& [id, r] : replicas_)
      if (!r.up())
        start(r);
    trace("healed");
    std::optional<std::string> final_command;
    for (uint64_t i = 0; i < params_.converge_ticks && !failed(); ++i) {
      run_tick(false);
      // A fresh command proves that proposals made after healing commit.
      auto ls = leaders();
      if (!final_command && ls.size() == 1) {
        auto command = final_proposal();
        if (ls[0]->raft->propose(command).ok())
          final_command = command;
        after_step(*ls[0], false);
      }
      if (final_command && converged(*final_command)) {
        trace("converged");
        return;
      }
      if (final_command && i % 100 == 99)
        final_command.reset(); // lost to a leader change: propose another
    }
    if (!failed())
      result_.failure = "seed " + std::to_string(params_.seed) + ": no convergence within "
                        + std::to_string(params_.converge_ticks) + " ticks after healing";
  }

  bool converged(const std::string& final_command) {
    const auto& first = replicas_.begin()->second;
    for (auto& [id, r] : replicas_) {
      if (r.applied != first.applied || r.commands.empty() || r.commands.back() != final_command)
        return false;
    }
    for (auto& [id, r] : replicas_) {
      if (r.commands != checker_.committed_commands()) {
        result_.failure
          = "seed " + std::to_string(params_.seed) + ": " + id + " converged to different commands";
        return false;
      }
      if (!same_as_reference(r, "converged"))
        return false;
    }
    return true;
  }

  uint64_t fingerprint() const {
    uint64_t h = 1469598103934665603ull; // FNV-1a
    auto mix = [&h](const std::string& s) {
      for (unsigned char ch : s)
        h = (h ^ ch) * 1099511628211ull;
    };
    for (const auto& c : checker_.committed_commands())
      mix(c);
    mix(std::to_string(net_.sent) + "/" + std::to_string(now_));
    return h;
  }

  sim_params params_;
  uint64_t now_ = 0;
  sim_result result_;
  sim_random rng_;
  sim_network net_;
  safety_checker checker_;
  trace_logger tracer_;
  std::map<std::string, replica> replicas_;
  bool chaos_ = false; // in the chaos phase: faults allowed
  uint64_t partition_until_ = 0;
  std::vector<std::pair<std::string, std::string>> hints_; // (to, about), see deliver_hints
  uint64_t compact_threshold_ = 20;
  uint64_t next_command_ = 0;
  uint64_t next_read_ = 0;
  std::vector<command::Command> clients_ = std::vector<command::Command>(3); // last command each
  kv_state reference_; // the committed log, applied once
  uint64_t reference_applied_ = 0;
  std::map<uint64_t, raft::Entry> learned_;      // committed, not yet applied to the reference
  std::map<uint64_t, std::string> reference_at_; // its state after each index
};

} // namespace

sim_result run_simulation(const sim_params& params) {
  world w(params);
  return w.run();
}

} // namespace keel::sim
