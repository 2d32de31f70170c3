#include "actors/replication/replica_actor.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string_view>

#include "caf/all.hpp"

#include "actors/base/core/deadline_fifo.hpp"
#include "actors/base/core/tick_grid.hpp"
#include "actors/config/core/cluster_config.hpp"
#include "actors/log/logger.hpp"
#include "actors/lookup.hpp"
#include "actors/replication/core/memory_storage.hpp"
#include "actors/replication/core/node.hpp"
#include "actors/replication/core/proposal_tracker.hpp"
#include "actors/storage/core/client_request.hpp"
#include "actors/storage/core/replica_storage.hpp"
#include "actors/storage/core/snapshot_check.hpp"
#include "messages/type_ids.hpp"
#include "supervisors/directory.hpp"

namespace keel::replication {

namespace {

using std::chrono::milliseconds;

// The Raft core's own lines (core/logger.hpp: transitions at info, handled
// surprises at warn, per-message detail at debug) into the replica's log.
class core_log final : public raft::logger {
public:
  core_log(std::shared_ptr<spdlog::logger> log, uint32_t shard)
    : log_(std::move(log)),
      shard_(shard) {}

  void write(raft::log_level level, std::string_view line) override {
    auto to = level == raft::log_level::debug  ? spdlog::level::debug
              : level == raft::log_level::info ? spdlog::level::info
                                               : spdlog::level::warn;
    log_->log(to, "shard={} {}", shard_, line);
  }

private:
  std::shared_ptr<spdlog::logger> log_;
  uint32_t shard_;
};

// Reads that share one ReadIndex round.
struct read_batch {
  std::vector<std::pair<kv::Request, caf::response_promise>> reads;
};

struct replica_state {
  static inline const char* name = "keel.replica";

  replica_config cfg;
  std::shared_ptr<spdlog::logger> log = component_logger("raft");
  ::keel::storage::storage_api storage;

  // The Raft core and the in-memory mirror of what storage made durable,
  // which the core reads (log_storage). Built once the durable state loaded.
  std::unique_ptr<raft::memory_storage> mirror;
  std::unique_ptr<core_log> raft_log; // before raft, which writes to it
  std::unique_ptr<raft::node> raft;

  // invariant: at most one ready is between ready() and advance().
  bool ready_in_flight = false;

  // Requests gathered during one turn, proposed (writes) or confirmed
  // (reads) together on the next flush: one entry per turn, one ReadIndex
  // round per turn.
  command::CommandBatch queued_commands;
  std::vector<caf::response_promise> queued_writers;
  std::vector<std::pair<kv::Request, caf::response_promise>> queued_reads;
  std::vector<std::pair<kv::Request, caf::response_promise>> queued_local_reads; // serializable
  bool flush_scheduled = false;

  // Proposed entries not yet answered: the tracker decides their fate, the
  // clients of each (in the entry's CommandBatch order) wait under its ticket.
  raft::proposal_tracker proposals;
  std::map<uint64_t, std::vector<caf::response_promise>> proposal_clients; // by ticket
  uint64_t next_ticket = 1;
  // Clients of our entries that committed, waiting for the storage actor's
  // results of them (the answer to the ready that applied them).
  std::map<uint64_t, std::vector<caf::response_promise>> awaiting_apply; // by entry index
  std::map<std::string, read_batch> reads;                               // by ReadIndex context
  uint64_t next_read_context = 1;

  uint64_t applied_since_snapshot = 0;
  // Snapshots the core asked to send, waiting for the shard's export
  // (send_snapshots): one export serves them all. Not empty: an export is
  // being read.
  std::vector<raft::Message> snapshots_waiting;
  int ticks = 0;      // counts ticks for balancing
  uint64_t clock = 0; // ticks since start: the time of storage_calls
  // Requests to the storage actor not answered yet, by deadline (in ticks),
  // each named for the error if it expires (check_storage_calls).
  deadline_fifo<const char*> storage_calls;
  bool storage_gone = false;      // waiting for the shard supervisor (storage_failed)
  std::string leader_id;          // as last reported by the core
  uint64_t campaigns_counted = 0; // of raft->campaigns(), added to the counter
  std::optional<metrics::shard_counters> counts; // the node's counters of this shard
};

// Its own timers are not part of replica_api: the actor is spawned with this
// private extension and handed out as replica_api, so no other actor can
// hold a handle that lets it drive the replica's clock (a stray tick shortens
// election timeouts) or its flushes through the compiler.
using replica_impl = replica_api::extend<caf::reacts_to<tick_atom>, caf::reacts_to<flush_atom>>;

using replica_actor = replica_impl::stateful_base<replica_state>;

pb<kv::Response> response(kv::Status status, std::string error = {}, std::string leader_hint = {}) {
  kv::Response r;
  r.set_status(status);
  r.set_error(std::move(error));
  r.set_leader_hint(std::move(leader_hint));
  return make_pb(std::move(r));
}

std::string shard_name(const replica_config& cfg) { return "shard " + std::to_string(cfg.shard); }

pb<kv::Response> not_leader(replica_actor* self, const std::string& hint) {
  return response(
    kv::STATUS_NOT_LEADER,
    shard_name(self->state.cfg) + ": node " + self->state.cfg.node_id + " is not its leader", hint);
}

// -- when the storage actor is gone --------------------------------------------

// A replica whose storage actor has ended waits for its supervisor instead of
// ending too. The shard supervisor monitors the storage actor, so its down
// message is on the way, and rest_for_one then restarts the storage actor and
// this replica after it. Ending here would race that message: a supervisor
// that has not seen it yet restarts the replica alone, on the same dead
// handle, and under load that loop spent the shard's whole restart intensity
// in a millisecond, so the shard was given up. Every client waiting here is
// answered now, so that it retries at once rather than at its timeout.
replica_impl::behavior_type waiting_for_supervisor(replica_actor* self) {
  auto& st = self->state;
  auto gone = [&st] {
    return response(kv::STATUS_UNAVAILABLE,
                    shard_name(st.cfg) + ": its storage actor is restarting; retry");
  };
  for (auto& [ticket, clients] : st.proposal_clients)
    for (auto& c : clients)
      c.deliver(
        response(kv::STATUS_TIMEOUT, shard_name(st.cfg)
                                       + ": its storage actor ended before the write was answered; "
                                         "outcome unknown, retry"));
  st.proposal_clients.clear();
  for (auto& [index, clients] : st.awaiting_apply)
    for (auto& c : clients)
      c.deliver(response(kv::STATUS_TIMEOUT,
                         shard_name(st.cfg) + ": entry " + std::to_string(index)
                           + " committed, but its storage actor ended before reporting its "
                             "result; retry (the retry is answered from the deduplication "
                             "table)"));
  st.awaiting_apply.clear();
  for (auto& w : st.queued_writers)
    w.deliver(gone());
  st.queued_writers.clear();
  st.queued_commands.Clear();
  for (auto& [req, rp] : st.queued_reads)
    rp.deliver(gone());
  st.queued_reads.clear();
  for (auto& [req, rp] : st.queued_local_reads)
    rp.deliver(gone());
  st.queued_local_reads.clear();
  for (auto& [ctx, batch] : st.reads)
    for (auto& [req, rp] : batch.reads)
      rp.deliver(gone());
  st.reads.clear();
  // Timers and peer traffic are dropped from now on; status and transfer are
  // refused as an unknown message was before the protocol was typed.
  auto refused = [] { return caf::make_error(caf::sec::unexpected_message); };
  return {
    [gone](kv_atom, const pb<kv::Request>&) -> pb<kv::Response> { return gone(); },
    [](raft_atom, const pb<raft::MessageBatch>&) {},
    [](peer_atom, const std::string&) {},
    [refused](status_atom) -> caf::result<pb<admin::ShardStatus>> { return refused(); },
    [refused](transfer_atom, const std::string&) -> caf::result<caf::ok_atom> { return refused(); },
    [](tick_atom) {},
    [](flush_atom) {},
  };
}

// Every failed request to the storage actor ends here. A storage actor that is
// gone is its supervisor's to restart (above); any other failure (a timeout,
// an I/O error reported by the engine) ends this incarnation with that error.
void storage_failed(replica_actor* self, caf::error err) {
  auto& st = self->state;
  if (err != caf::sec::request_receiver_down) {
    self->quit(std::move(err));
    return;
  }
  if (st.storage_gone)
    return;
  st.storage_gone = true;
  st.log->warn("shard={} its storage actor is gone; waiting for the shard supervisor "
               "to restart both",
               st.cfg.shard);
  self->become(waiting_for_supervisor(self));
}

// -- requests to the storage actor ---------------------------------------------

// Every request to the storage actor after the load is sent without a CAF
// timeout and recorded here (base/core/deadline_fifo.hpp: CAF 0.17 would
// leave a timer per request that wakes this actor after the answer came);
// its answer, or its error, calls storage_answered.
deadline_fifo<const char*>::id_type storage_call(replica_actor* self, const char* what) {
  auto& st = self->state;
  uint64_t limit = (st.cfg.storage_timeout_ms + st.cfg.tick_ms - 1) / std::max(1u, st.cfg.tick_ms);
  return st.storage_calls.add(st.clock + limit, what);
}

void storage_answered(replica_actor* self, deadline_fifo<const char*>::id_type call) {
  self->state.storage_calls.take(call);
}

// On each tick: a request older than storage_timeout_ms means the storage
// actor (which answers in order) is stuck, and this incarnation ends as it
// did when CAF's timeout fired (storage_failed). Returns whether it ended.
bool storage_overdue(replica_actor* self) {
  auto& st = self->state;
  auto late = st.storage_calls.expire(st.clock);
  if (late.empty())
    return false;
  storage_failed(self, caf::make_error(caf::sec::request_timeout,
                                       shard_name(st.cfg) + ": its storage actor did not answer a "
                                         + late.front() + " within "
                                         + std::to_string(st.cfg.storage_timeout_ms) + " ms"));
  return true;
}

// -- the ready loop (ready.hpp: send the leader's, persist, send, apply, serve reads, advance) --

void process_ready(replica_actor* self);
void schedule_flush(replica_actor* self);
bool may_propose(replica_actor* self);

void send_snapshots(replica_actor* self, std::vector<raft::Message> snapshots);

void send_messages(replica_actor* self, std::vector<raft::Message> messages) {
  if (messages.empty())
    return;
  auto& st = self->state;
  // The core's snapshots carry no data (maybe_compact): the store is the
  // snapshot, read out only when a follower needs it.
  auto needs_data = [](const raft::Message& m) {
    return m.type() == raft::MSG_SNAPSHOT && m.snapshot().data().empty();
  };
  if (std::any_of(messages.begin(), messages.end(), needs_data)) {
    auto split = std::stable_partition(messages.begin(), messages.end(),
                                       [&](const raft::Message& m) { return !needs_data(m); });
    send_snapshots(self, {std::make_move_iterator(split), std::make_move_iterator(messages.end())});
    messages.erase(split, messages.end());
    if (messages.empty())
      return;
  }
  auto transport = lookup::transport(*st.cfg.dir, st.cfg.root_path);
  if (!transport) {
    // Raft tolerates lost messages; the transport's supervisor restarts it.
    for (auto& m : messages)
      st.raft->report_unreachable(m.to());
    return;
  }
  for (auto& [to, batch] : raft::batch_by_destination(std::move(messages)))
    self->send(transport, raft_atom_v, make_pb(std::move(batch)));
}

// Answers the clients of proposals that can no longer be followed here: the
// entry may still commit (then the retry, same seq, gets its cached answer,
// thesis §6.3) or not, so the outcome is unknown and the client retries now
// rather than at its timeout. NOT_LEADER would tell it "not applied".
void fail_lost(replica_actor* self, const std::vector<raft::settled_proposal>& lost,
               const char* why) {
  auto& st = self->state;
  for (const auto& p : lost) {
    auto clients = st.proposal_clients.find(p.ticket);
    if (clients == st.proposal_clients.end())
      continue;
    auto resp = response(kv::STATUS_TIMEOUT,
                         shard_name(st.cfg) + ": the entry proposed at index "
                           + std::to_string(p.index) + " " + why + "; outcome unknown, retry",
                         st.leader_id);
    for (auto& c : clients->second)
      c.deliver(resp);
    st.proposal_clients.erase(clients);
  }
}

// The clients of each committed entry that this replica proposed: an entry
// committed as proposed waits in awaiting_apply for its results; one that
// another leader's entry replaced was never applied, and the client may
// safely retry (same seq: deduplicated).
void settle_committed(replica_actor* self, const raft::ready& rd) {
  auto& st = self->state;
  for (auto& e : rd.committed_entries) {
    auto settled = st.proposals.committed(e.index(), e.term());
    if (!settled)
      continue;
    auto clients = st.proposal_clients.find(settled->ticket);
    if (clients == st.proposal_clients.end())
      continue;
    if (settled->fate == raft::proposal_fate::applied) {
      st.awaiting_apply.emplace(e.index(), std::move(clients->second));
    } else {
      for (auto& c : clients->second)
        c.deliver(not_leader(self, st.leader_id));
    }
    st.proposal_clients.erase(clients);
  }
}

// The storage actor applied the entries up to `last`: their clients get the
// entries' results, one per command, in the CommandBatch order.
void answer_applied(replica_actor* self, uint64_t last, const storage::ApplyResult& applied) {
  auto& st = self->state;
  std::map<uint64_t, const storage::EntryResult*> results;
  for (auto& r : applied.results())
    results.emplace(r.index(), &r);
  auto end = st.awaiting_apply.upper_bound(last);
  for (auto i = st.awaiting_apply.begin(); i != end; ++i) {
    auto& waiting = i->second;
    auto r = results.find(i->first);
    if (r == results.end() || r->second->responses_size() != static_cast<int>(waiting.size())) {
      for (auto& c : waiting)
        c.deliver(not_leader(self, st.leader_id));
      continue;
    }
    // Each response carries the index the state machine gave it: this
    // entry's for a command it applied, the original one for a retry it
    // answered from the client's session (kv.proto: where the operation
    // took effect), none for a command it refused.
    for (size_t k = 0; k < waiting.size(); ++k)
      waiting[k].deliver(make_pb(r->second->responses(static_cast<int>(k))));
  }
  st.awaiting_apply.erase(st.awaiting_apply.begin(), end);
}

// Answers a get from the shard's storage actor, which handles it after every
// apply this replica sent before (mailbox order): the read sees them all.
// Answers gets from what the storage actor has applied, all of them with one
// message (the reads of one ReadIndex round, or the serializable reads of one
// turn): each one would otherwise cost a request and its answer of its own.
void read_applied(replica_actor* self,
                  std::vector<std::pair<kv::Request, caf::response_promise>> reads) {
  auto& st = self->state;
  kv::RequestBatch batch;
  std::vector<caf::response_promise> promises;
  promises.reserve(reads.size());
  for (auto& [req, promise] : reads) {
    auto* tagged = batch.add_requests();
    tagged->set_tag(promises.size());
    *tagged->mutable_request() = std::move(req);
    promises.push_back(std::move(promise));
  }
  auto call = storage_call(self, "read");
  self->request(st.storage, caf::infinite, kv_atom_v, make_pb(std::move(batch)))
    .then(
      [self, call, promises](pb<kv::ResponseBatch>& answers) mutable {
        storage_answered(self, call);
        for (auto& a : *answers->mutable_responses())
          if (a.tag() < promises.size() && promises[a.tag()].pending())
            promises[a.tag()].deliver(make_pb(std::move(*a.mutable_response())));
        for (auto& p : promises) // the storage actor answers every read; never expected
          if (p.pending())
            p.deliver(response(kv::STATUS_UNAVAILABLE, "the storage actor skipped this read"));
      },
      [self, call, promises](caf::error& err) mutable {
        storage_answered(self, call);
        for (auto& p : promises)
          p.deliver(response(kv::STATUS_UNAVAILABLE, to_string(err)));
      });
}

void serve_reads(replica_actor* self, const raft::ready& rd) {
  auto& st = self->state;
  for (auto& rs : rd.read_states) {
    auto i = st.reads.find(rs.context);
    if (i == st.reads.end())
      continue;
    // After the apply above: each read sees every entry up to rs.index.
    read_applied(self, std::move(i->second.reads));
    st.reads.erase(i);
  }
  for (auto& ctx : rd.aborted_reads) {
    auto i = st.reads.find(ctx);
    if (i == st.reads.end())
      continue;
    for (auto& entry : i->second.reads)
      entry.second.deliver(not_leader(self, st.leader_id));
    st.reads.erase(i);
  }
}

// How far the log may be compacted after a snapshot at `snapshot_index`. It
// keeps half a snapshot interval of entries behind the snapshot (etcd's
// SnapshotCatchUpEntries), and a leader keeps every entry a live follower has
// not acknowledged yet: a follower a few appends behind then catches up from
// the log instead of being sent the whole shard (§7).
uint64_t compaction_point(replica_actor* self, uint64_t snapshot_index) {
  auto& st = self->state;
  uint64_t margin = std::max<uint64_t>(1, st.cfg.snapshot_entries / 2);
  if (snapshot_index <= margin)
    return 0;
  uint64_t upto = snapshot_index - margin;
  auto s = st.raft->status();
  if (s.node_role == raft::role::leader)
    for (auto& [id, pr] : s.progress)
      if (id != st.cfg.node_id && pr.recent_active)
        upto = std::min(upto, pr.match);
  return upto;
}

// Log compaction (§7) with the store as the snapshot, as etcd does: the
// shard's data in RocksDB is its state at the applied index, so compacting
// copies nothing. The mirror records the snapshot point (index, term and
// voters, no data) and both logs drop what lies a margin behind it. A
// follower that needs what was dropped gets the data read out then
// (send_snapshots), not every snapshot_entries entries: reading a whole
// shard stalls its writes (docs/benchmarks.md section 30).
//
// Safe to call once the applied entries were sent to the storage actor: its
// mailbox is in order, so the compaction lands after them, and the store
// never holds a log compacted past its applied index (replica_storage::load
// checks it).
void maybe_compact(replica_actor* self) {
  auto& st = self->state;
  if (st.applied_since_snapshot < st.cfg.snapshot_entries)
    return;
  auto applied = st.raft->status().applied;
  if (auto made = st.mirror->create_snapshot(applied, st.cfg.voters, {}); !made.ok())
    return; // a snapshot installed since is newer
  st.applied_since_snapshot = 0;
  st.counts->snapshots.inc();
  auto upto = compaction_point(self, applied);
  st.log->info("shard={} snapshot point at index {}; log compacted up to {}", st.cfg.shard, applied,
               upto);
  if (upto < st.mirror->first_index())
    return;
  if (auto compacted = st.mirror->compact(upto); !compacted.ok()) {
    // The storage actor is not asked to compact past what the mirror kept.
    st.log->warn("shard={} log not compacted up to {}: {}", st.cfg.shard, upto,
                 raft::to_string(compacted.code()));
    return;
  }
  auto compaction = storage_call(self, "compaction");
  self->request(st.storage, caf::infinite, compact_atom_v, upto)
    .then([self, compaction](caf::ok_atom) { storage_answered(self, compaction); },
          [self, compaction](caf::error& err) {
            storage_answered(self, compaction);
            storage_failed(self, std::move(err));
          });
}

// InstallSnapshot (§7) for followers behind the compacted log. The core names
// its snapshot point S; the storage actor reads the shard out of a read view
// taken after this request reached it, at its applied index X >= S
// (everything the core applied was sent to it before, in mailbox order), and
// serves the shard's writes meanwhile. The snapshot sent stands
// for X: the metadata says X and X's term, which the data carries, so it is
// exactly the state after a committed entry, which check_snapshot_data
// requires on the follower. The core's leader then hears an acknowledgement
// of X, at or past the S it waits for (node_leader.cpp). One export serves
// every follower waiting meanwhile whose S it reaches; one that names a point
// recorded after the export was asked for waits for the next.
void send_snapshots(replica_actor* self, std::vector<raft::Message> snapshots) {
  auto& st = self->state;
  const bool exporting = !st.snapshots_waiting.empty();
  for (auto& m : snapshots) {
    auto same = std::find_if(st.snapshots_waiting.begin(), st.snapshots_waiting.end(),
                             [&](const raft::Message& w) { return w.to() == m.to(); });
    if (same != st.snapshots_waiting.end())
      *same = std::move(m); // the core resent it: the newer one
    else
      st.snapshots_waiting.push_back(std::move(m));
  }
  if (exporting)
    return;
  // Not a storage_call: the storage actor answers an export out of its
  // mailbox's order, once read, and a large shard may take longer than
  // storage_timeout_ms to read without anything being stuck. If the storage
  // actor ends meanwhile, its shard's supervisor restarts this replica too.
  auto asked = std::chrono::steady_clock::now();
  self->request(st.storage, caf::infinite, snap_atom_v)
    .then(
      [self, asked](pb<storage::ShardSnapshot>& exported) {
        auto& st = self->state;
        const auto& snap = exported.msg;
        auto data = snap.SerializeAsString();
        std::vector<raft::Message> filled;
        std::vector<raft::Message> newer; // named a point recorded after the export was asked for
        auto core = st.raft->status();
        for (auto& m : std::exchange(st.snapshots_waiting, {})) {
          auto pr = core.progress.find(m.to());
          if (pr == core.progress.end() || pr->second.state != raft::progress_state::snapshot) {
            // The core no longer waits for it (its connection closed, or this
            // replica lost the lead): it asks again when the follower answers.
            st.log->info("shard={} snapshot for to={} no longer wanted", st.cfg.shard, m.to());
            continue;
          }
          auto* meta = m.mutable_snapshot()->mutable_metadata();
          if (snap.applied_index() < meta->index()) {
            newer.push_back(std::move(m));
            continue;
          }
          st.log->info(
            "shard={} sending snapshot to={} index={} ({} keys, {} bytes, read in {} ms)",
            st.cfg.shard, m.to(), snap.applied_index(), snap.data_size(), data.size(),
            std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - asked)
              .count());
          meta->set_index(snap.applied_index());
          meta->set_term(snap.applied_term());
          m.mutable_snapshot()->set_data(data);
          filled.push_back(std::move(m));
          st.counts->snapshots_sent.inc();
        }
        for (const auto& m : filled)
          st.raft->snapshot_left(m.to()); // its wait for an answer starts now
        send_messages(self, std::move(filled));
        if (!newer.empty())
          send_snapshots(self, std::move(newer)); // the next export covers their point
      },
      [self](caf::error& err) {
        self->state.snapshots_waiting.clear();
        storage_failed(self, std::move(err));
      });
}

void finish_ready(replica_actor* self, const raft::ready& rd) {
  auto& st = self->state;
  if (rd.snapshot)
    fail_lost(self, st.proposals.snapshot_installed(), "was replaced by a snapshot");
  auto s = st.raft->status();
  fail_lost(self, st.proposals.observe(s.term, s.node_role == raft::role::leader),
            "was not committed while this node led the shard in its term");
  serve_reads(self, rd);
  st.applied_since_snapshot += rd.committed_entries.size();
  st.raft->advance(rd);
  st.ready_in_flight = false;
  maybe_compact(self);
  // Entries that settled above (committed, or lost) opened the window.
  if (st.queued_commands.commands_size() > 0 && may_propose(self))
    schedule_flush(self);
  process_ready(self);
}

// Step 1 done (the ready's durable part is on disk, or needs no fsync):
// mirror it for the core, send the messages that waited for it (step 2), and
// hand the clients of the entries it commits to awaiting_apply. Returns false
// if the replica ended.
bool after_persist(replica_actor* self, const std::shared_ptr<raft::ready>& rd) {
  auto& st = self->state;
  if (rd->snapshot) {
    // The storage actor has just made it durable; a mirror that refuses it
    // would let Raft go on from a log the disk does not hold. The mirror keeps
    // its point, not its data: the store holds that (maybe_compact).
    raft::Snapshot point;
    *point.mutable_metadata() = rd->snapshot->metadata();
    if (auto mirrored = st.mirror->apply_snapshot(point); !mirrored.ok()) {
      auto why = "shard=" + std::to_string(st.cfg.shard) + " snapshot at index "
                 + std::to_string(rd->snapshot->metadata().index())
                 + " persisted but not mirrored: " + raft::to_string(mirrored.code());
      st.log->error("{}", why);
      self->quit(caf::make_error(caf::sec::runtime_error, std::move(why)));
      return false;
    }
    st.counts->snapshots_installed.inc();
  }
  if (!rd->entries.empty())
    st.mirror->append(rd->entries);
  if (rd->hard_state)
    st.mirror->set_hard_state(*rd->hard_state);
  send_messages(self, std::move(rd->messages));
  if (!rd->committed_entries.empty()) {
    st.counts->committed.inc(rd->committed_entries.size());
    settle_committed(self, *rd);
  }
  return true;
}

// The storage actor's answer to a ready: the results of the entries it
// applied (step 3), for their clients.
void answer_ready(replica_actor* self, const raft::ready& rd, const storage::ApplyResult& applied) {
  if (rd.committed_entries.empty())
    return;
  self->state.counts->applied.inc(rd.committed_entries.size());
  answer_applied(self, rd.committed_entries.back().index(), applied);
}

// Step 3 alone: the committed entries of `rd` in a request of their own,
// which needs no fsync and is answered at once; their clients are answered
// when the results come back.
void apply_alone(replica_actor* self, const std::shared_ptr<raft::ready>& rd) {
  storage::PersistRequest req;
  req.set_may_skip_sync(true);
  for (auto& e : rd->committed_entries)
    *req.add_committed() = e;
  auto call = storage_call(self, "apply");
  self->request(self->state.storage, caf::infinite, persist_atom_v, make_pb(std::move(req)))
    .then(
      [self, call, rd](pb<storage::ApplyResult>& applied) {
        storage_answered(self, call);
        answer_ready(self, *rd, applied.msg);
      },
      [self, call](caf::error& err) {
        storage_answered(self, call);
        storage_failed(self, std::move(err));
      });
}

// Steps 1 and 3 of the loop are one request to the storage actor, one batch
// on its side: the ready's durable part, then the committed entries it lets be
// applied. A ready that must be on disk before its messages leave waits for
// the answer, which comes after the fsync; the applies that rode along add no
// round trip of their own. A ready that needs no fsync goes on at once, and
// the clients of what it applies are answered when the results come back: the
// storage actor works through its mailbox in order, so the next ready's
// request, every read served below and any snapshot request see these
// entries applied.
//
// One exception: a follower's ready that acknowledges new entries and applies
// large ones its leader's append said were committed (a leader announces a
// commit with its next append, docs/design.md). Its acknowledgement decides
// when the leader commits the next entry, so it should not wait for applying
// dozens of writes: those go in a request of their own, sent once the
// acknowledgement has left. A few writes cost less to apply than a second
// request (docs/benchmarks.md section 23).
constexpr size_t apply_alone_bytes = 4096;
void write_ready(replica_actor* self, const std::shared_ptr<raft::ready>& rd) {
  auto& st = self->state;
  storage::PersistRequest req;
  if (rd->snapshot)
    *req.mutable_snapshot() = *rd->snapshot;
  for (auto& e : rd->entries)
    *req.add_entries() = e;
  if (rd->hard_state)
    *req.mutable_hard_state() = *rd->hard_state;
  req.set_may_skip_sync(!rd->must_sync);
  auto wait = storage::must_sync(req); // its messages wait for the fsync
  size_t committed_bytes = 0;
  for (auto& e : rd->committed_entries)
    committed_bytes += e.data().size();
  const bool apply_after = wait && !rd->messages.empty() && committed_bytes >= apply_alone_bytes;
  if (!apply_after)
    for (auto& e : rd->committed_entries)
      *req.add_committed() = e;
  auto call = storage_call(self, "persist");
  self->request(st.storage, caf::infinite, persist_atom_v, make_pb(std::move(req)))
    .then(
      [self, call, rd, wait, apply_after](pb<storage::ApplyResult>& applied) {
        storage_answered(self, call);
        if (wait && !after_persist(self, rd))
          return;
        if (apply_after)
          apply_alone(self, rd);
        else
          answer_ready(self, *rd, applied.msg);
        if (wait)
          finish_ready(self, *rd);
      },
      [self, call](caf::error& err) {
        storage_answered(self, call);
        storage_failed(self, std::move(err));
      });
  if (!wait && after_persist(self, rd))
    finish_ready(self, *rd);
}

void note_leader_change(replica_actor* self, const raft::ready& rd) {
  auto& st = self->state;
  if (!rd.soft_state_change)
    return;
  auto& ss = *rd.soft_state_change;
  if (!ss.leader_id.empty() && ss.leader_id != st.leader_id)
    st.counts->leader_changes.inc();
  if (ss.leader_id != st.leader_id)
    st.log->info("shard={} leader={} (this node: {})", st.cfg.shard,
                 ss.leader_id.empty() ? "unknown" : ss.leader_id, raft::to_string(ss.node_role));
  st.leader_id = ss.leader_id;
}

void process_ready(replica_actor* self) {
  auto& st = self->state;
  if (st.ready_in_flight || !st.raft->has_ready())
    return;
  st.ready_in_flight = true;
  auto rd = std::make_shared<raft::ready>(st.raft->ready());
  note_leader_change(self, *rd);
  if (auto c = st.raft->campaigns(); c > st.campaigns_counted) {
    st.counts->elections.inc(c - st.campaigns_counted);
    st.campaigns_counted = c;
  }
  // Thesis §10.2.1: the leader's appends go out now, so the followers' disk
  // writes run while ours does; the core counts our copy after advance().
  send_messages(self, std::move(rd->leader_messages));
  if (!rd->snapshot && rd->entries.empty() && !rd->hard_state && rd->committed_entries.empty()) {
    // Nothing for the disk: messages, reads.
    if (after_persist(self, rd))
      finish_ready(self, *rd);
    return;
  }
  write_ready(self, rd);
}

// -- client requests ----------------------------------------------------------

void schedule_flush(replica_actor* self) {
  if (!self->state.flush_scheduled) {
    self->state.flush_scheduled = true;
    self->send(self, flush_atom_v);
  }
}

// Whether the writes queued now may go out as an entry. Every entry costs a
// fixed amount on each replica (a synced write, an append and its answer, an
// apply: several thread hand-offs each), whatever it carries, so on a busy
// leader more entries in flight only split the same writes into more, smaller
// entries. With a few entries in flight, the writes that come meanwhile wait
// for the next commit and go out together. One client never waits for this:
// its write finds no entry in flight.
bool may_propose(replica_actor* self) {
  auto& st = self->state;
  return st.proposal_clients.size() < st.cfg.max_entries_in_flight
         || st.queued_commands.ByteSizeLong() >= st.cfg.max_batch_bytes;
}

// Proposes the writes queued since the last entry as one entry (if the
// window allows, see may_propose), starts one ReadIndex round for every
// linearizable read queued this turn, and reads the serializable ones at once.
void flush(replica_actor* self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (!st.queued_local_reads.empty()) {
    read_applied(self, std::move(st.queued_local_reads));
    st.queued_local_reads.clear();
  }
  if (st.queued_commands.commands_size() > 0 && may_propose(self)) {
    auto writers = std::move(st.queued_writers);
    st.queued_writers.clear();
    // The only clock the state machine sees (sessions expire by it, thesis
    // §6.3): a stamp in the log, so every replica applies the same time.
    auto now = std::chrono::system_clock::now().time_since_epoch();
    st.queued_commands.set_leader_time_ms(
      static_cast<uint64_t>(std::chrono::duration_cast<milliseconds>(now).count()));
    auto data = st.queued_commands.SerializeAsString();
    st.queued_commands.Clear();
    auto index = st.raft->propose(std::move(data));
    if (index.ok()) {
      st.counts->proposals.inc();
      auto ticket = st.next_ticket++;
      st.proposal_clients.emplace(ticket, std::move(writers));
      fail_lost(self, st.proposals.add(*index, st.raft->status().term, ticket),
                "was dropped from the log before it was committed");
    } else {
      auto resp
        = index.code() == raft::errc::not_leader ? not_leader(self, index.err().leader_hint)
          : index.code() == raft::errc::uncommitted_limit
            ? response(kv::STATUS_UNAVAILABLE,
                       shard_name(st.cfg)
                         + ": too many writes wait to be committed (the followers or the disks "
                           "are behind); not applied, retry")
            : response(kv::STATUS_UNAVAILABLE,
                       shard_name(st.cfg) + ": leadership is being transferred; retry");
      for (auto& w : writers)
        w.deliver(resp);
    }
  }
  if (!st.queued_reads.empty()) {
    auto ctx = st.cfg.node_id + "/" + std::to_string(st.next_read_context++);
    auto started = st.raft->read_index(ctx);
    if (started.ok()) {
      st.reads[ctx].reads = std::move(st.queued_reads);
    } else {
      for (auto& entry : st.queued_reads)
        entry.second.deliver(not_leader(self, started.err().leader_hint));
    }
    st.queued_reads.clear();
  }
  process_ready(self);
}

caf::response_promise handle_request(replica_actor* self, pb<kv::Request>& req) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (req->has_get() && (req->get().serializable() || st.cfg.read_without_read_index)) {
    // Any role, no ReadIndex round: what this replica has applied (kv.proto).
    // A replica that has applied nothing knows nothing, not "no such key":
    // it is new, or it lost its data and its peers refuse it (security/core/
    // peer_incarnations.hpp). Every leader's first entry ends this at once.
    if (st.raft->applied() == 0)
      rp.deliver(response(kv::STATUS_UNAVAILABLE,
                          shard_name(st.cfg)
                            + " has applied nothing yet (a new replica, or one whose data was "
                              "lost); ask another replica"));
    else {
      st.queued_local_reads.emplace_back(std::move(req.msg), rp);
      schedule_flush(self);
    }
    return rp;
  }
  if (req->op_case() == kv::Request::kGet) {
    st.queued_reads.emplace_back(std::move(req.msg), rp);
  } else if (auto cmd = storage::to_command(req.msg)) {
    *st.queued_commands.add_commands() = std::move(*cmd);
    st.queued_writers.push_back(rp);
  } else {
    rp.deliver(response(kv::STATUS_INVALID_ARGUMENT, "the request carries no operation"));
    return rp;
  }
  schedule_flush(self);
  return rp;
}

// -- status and balancing ---------------------------------------------------

pb<admin::ShardStatus> shard_status(replica_actor* self) {
  auto& st = self->state;
  auto s = st.raft->status();
  admin::ShardStatus out;
  out.set_shard(st.cfg.shard);
  out.set_role(raft::to_string(s.node_role));
  out.set_term(s.term);
  out.set_commit_index(s.commit);
  out.set_applied_index(s.applied);
  out.set_leader_id(s.leader_id);
  out.set_last_index(s.last_index);
  out.set_snapshot_index(s.snapshot_index);
  for (auto& [id, pr] : s.progress) {
    auto* p = out.add_progress();
    p->set_node_id(id);
    p->set_match_index(pr.match);
    p->set_next_index(pr.next);
    p->set_recent_active(pr.recent_active);
  }
  return make_pb(std::move(out));
}

// Hands leadership to the shard's preferred leader ([cluster]
// leader_placement) when it is caught up, so that leaders sit where the
// placement puts them, not on whichever node won the first elections.
void balance(replica_actor* self) {
  auto& st = self->state;
  auto& preferred = st.cfg.voters.front();
  if (preferred == st.cfg.node_id)
    return;
  auto s = st.raft->status();
  if (s.node_role != raft::role::leader || !s.transferring_to.empty())
    return;
  auto p = s.progress.find(preferred);
  if (p == s.progress.end() || !p->second.recent_active || p->second.match != s.last_index)
    return;
  st.log->info("shard={} handing leadership to its preferred leader {}", st.cfg.shard, preferred);
  if (auto moved = st.raft->transfer_leadership(preferred); !moved.ok())
    st.log->info("shard={} cannot hand leadership to {}: {}", st.cfg.shard, preferred,
                 raft::to_string(moved.code()));
}

void tick(replica_actor* self) {
  auto& st = self->state;
  ++st.clock;
  if (storage_overdue(self))
    return;
  st.raft->tick();
  if (++st.ticks % st.cfg.balance_ticks == 0)
    balance(self);
  process_ready(self);
  // On the node's tick grid (tick_grid.hpp): every replica of the node ticks
  // in the same turn, and their heartbeats leave as one frame per peer.
  self->scheduled_send(self, next_grid_point(self->clock().now(), milliseconds(st.cfg.tick_ms)),
                       tick_atom_v);
}

// -- start-up -----------------------------------------------------------------

// Quits the actor if the durable state cannot be restored: Raft must not
// start on a log without the snapshot point the disk holds.
void restore(replica_actor* self, const storage::ReplicaState& durable) {
  auto& st = self->state;
  st.mirror = std::make_unique<raft::memory_storage>();
  uint64_t applied = durable.applied().applied_index();
  // The log's compaction point is the snapshot point; the store, at its
  // applied index past it, is the snapshot's data (maybe_compact).
  const auto& compacted = durable.log_state();
  uint64_t from = 1;
  if (compacted.snapshot_index() > 0) {
    raft::Snapshot point;
    point.mutable_metadata()->set_index(compacted.snapshot_index());
    point.mutable_metadata()->set_term(compacted.snapshot_term());
    for (auto& v : st.cfg.voters)
      point.mutable_metadata()->add_voters(v);
    if (auto mirrored = st.mirror->apply_snapshot(point); !mirrored.ok()) {
      auto why = "shard=" + std::to_string(st.cfg.shard) + " stored snapshot point at index "
                 + std::to_string(compacted.snapshot_index())
                 + " cannot be restored: " + raft::to_string(mirrored.code());
      st.log->error("{}", why);
      self->quit(caf::make_error(caf::sec::runtime_error, std::move(why)));
      return;
    }
    from = compacted.snapshot_index() + 1;
  }
  std::vector<raft::Entry> entries;
  for (auto& e : durable.entries())
    if (e.index() >= from)
      entries.push_back(e);
  if (!entries.empty())
    st.mirror->append(entries);
  st.mirror->set_hard_state(durable.hard_state());

  raft::config rc;
  rc.id = st.cfg.node_id;
  rc.voters = st.cfg.voters;
  rc.shard = st.cfg.shard;
  rc.election_ticks = st.cfg.election_ticks;
  rc.heartbeat_ticks = st.cfg.heartbeat_ticks;
  rc.applied = applied;
  rc.seed = st.cfg.seed;
  rc.storage = st.mirror.get();
  if (!st.raft_log)
    st.raft_log = std::make_unique<core_log>(st.log, st.cfg.shard);
  rc.log = st.raft_log.get();
  st.raft = std::make_unique<raft::node>(rc);
  st.log->info("shard={} replica started: term={} applied={} log=[{}, {}]", st.cfg.shard,
               durable.hard_state().term(), applied, st.mirror->first_index(),
               st.mirror->last_index());
  self->send(self, tick_atom_v);
}

// A peer's message into the core. A snapshot whose data could not be
// installed is refused before the core sees it (and so before anything is
// persisted): persisting it would stop the node at the storage core's
// KEEL_ASSERT.
void step_peer_message(replica_actor* self, const raft::Message& m) {
  auto& st = self->state;
  if (m.type() == raft::MSG_SNAPSHOT) {
    if (auto checked = storage::check_snapshot_data(m.snapshot(), st.cfg.shard); !checked) {
      st.log->warn("shard={} refusing snapshot from {}: {}", st.cfg.shard, m.from(),
                   checked.error().detail);
      if (auto refused = st.raft->refuse_snapshot(m); !refused.ok())
        st.log->warn("shard={} dropped message from {}: {}", st.cfg.shard, m.from(),
                     refused.err().detail);
      return;
    }
  }
  if (auto stepped = st.raft->step(m); !stepped.ok())
    st.log->warn("shard={} dropped message from {}: {}", st.cfg.shard, m.from(),
                 stepped.err().detail);
}

// The follower best placed to take over (leadership transfer, thesis §3.10):
// recently heard from and with the longest matching log. Empty if none.
std::string best_successor(replica_actor* self) {
  auto& st = self->state;
  auto s = st.raft->status();
  std::string best;
  uint64_t best_match = 0;
  for (auto& [id, pr] : s.progress)
    if (id != st.cfg.node_id && pr.recent_active && (best.empty() || pr.match > best_match)) {
      best = id;
      best_match = pr.match;
    }
  return best;
}

replica_impl::behavior_type running(replica_actor* self) {
  return {
    [self](kv_atom, pb<kv::Request>& req) -> caf::result<pb<kv::Response>> {
      return handle_request(self, req);
    },
    [self](raft_atom, pb<raft::MessageBatch>& batch) {
      for (auto& m : batch->messages())
        step_peer_message(self, m);
      process_ready(self);
    },
    [self](peer_atom, const std::string& node) {
      self->state.raft->peer_unreachable(node);
      process_ready(self);
    },
    [self](tick_atom) { tick(self); },
    [self](flush_atom) { flush(self); },
    [self](status_atom) { return shard_status(self); },
    [self](transfer_atom, std::string to) -> caf::result<caf::ok_atom> {
      if (to.empty())
        to = best_successor(self);
      if (to.empty())
        return caf::make_error(caf::sec::invalid_argument,
                               "no follower is caught up enough to take over");
      self->state.log->info("shard={} handing leadership to {}", self->state.cfg.shard, to);
      auto r = self->state.raft->transfer_leadership(to);
      process_ready(self);
      if (!r.ok())
        return caf::make_error(caf::sec::invalid_argument,
                               std::string("cannot transfer leadership: ")
                                 + raft::to_string(r.code()));
      return caf::ok_atom::value;
    },
  };
}

// Start-up: load the durable state through the storage actor, then run.
// The load is awaited, so every other message stays in the mailbox, in order,
// until the state is restored. No retry here: a load that fails ends this
// incarnation, and the shard's supervisor restarts it; if the storage actor
// died, the replica waits for the supervisor to restart both (storage_failed).
replica_impl::behavior_type replica(replica_actor* self, replica_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.storage = st.cfg.storage;
  st.counts.emplace(st.cfg.metrics->shard(st.cfg.shard));
  self->request(st.storage, milliseconds(st.cfg.storage_timeout_ms), load_atom_v)
    .await([self](pb<storage::ReplicaState>& durable) { restore(self, durable.msg); },
           [self](caf::error& err) {
             auto& st = self->state;
             st.log->error("shard={} cannot load its durable state: {}", st.cfg.shard,
                           self->system().render(err));
             storage_failed(self, std::move(err));
           });
  return running(self);
}

uint64_t seed_of(const std::string& node, uint32_t shard) {
  return std::hash<std::string>{}(node) ^ (uint64_t{shard} * 0x9E3779B97F4A7C15ull);
}

} // namespace

replica_config make_replica_config(const config::cluster_config& cfg, const std::string& node_id,
                                   uint32_t shard, std::shared_ptr<sup::directory> dir) {
  replica_config rc;
  rc.node_id = node_id;
  rc.root_path = paths::root(node_id);
  rc.shard = shard;
  rc.voters = cfg.replicas_of(shard);
  rc.tick_ms = cfg.timing.tick_ms;
  rc.heartbeat_ticks = static_cast<int>(cfg.timing.heartbeat_ticks);
  rc.election_ticks = static_cast<int>(cfg.timing.election_ticks);
  rc.snapshot_entries = cfg.raft.snapshot_entries;
  rc.seed = seed_of(node_id, shard);
  rc.max_entries_in_flight = cfg.raft.max_entries_in_flight;
  rc.dir = std::move(dir);
  return rc;
}

caf::expected<replica_api> spawn_replica(caf::actor_system& sys, replica_config cfg) {
  if (!cfg.storage)
    return caf::make_error(caf::sec::invalid_argument, "replica of shard "
                                                         + std::to_string(cfg.shard)
                                                         + " started without its storage actor");
  return replica_api{sys.spawn(replica, std::move(cfg))};
}

} // namespace keel::replication
