#include "actors/storage/storage_actor.hpp"

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include "caf/all.hpp"

#include "actors/log/logger.hpp"
#include "actors/metrics/core/node_metrics.hpp"
#include "actors/storage/core/engine.hpp"
#include "actors/storage/core/replica_storage.hpp"
#include "actors/storage/core/state_digest.hpp"
#include "actors/storage/log_syncer.hpp"
#include "messages/type_ids.hpp"

namespace keel::storage {

namespace {

struct storage_state {
  static inline const char* name = "storage";

  std::shared_ptr<engine> db; // declared first: outlives the replica storage
  log_syncer_api syncer;
  uint32_t shard = 0;
  limits lim;
  bool own_threads = true; // long work on a thread of its own (run_long)
  // Shared with the thread of long work in progress, which may outlive the
  // actor if it is killed meanwhile.
  std::shared_ptr<replica_storage> replica;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<metrics::node_metrics> metrics;
  // Its series, looked up once (a lookup takes the registry's lock).
  metrics::histogram* apply_seconds = nullptr;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

using storage_actor_type = storage_api::stateful_base<storage_state>;

/// The exit reason of a storage failure: the actor exits with it so that its
/// supervisor restarts it (and the shard's replica) from durable state.
caf::error storage_failure(const storage_state& st, const storage_error& error) {
  st.log->error("storage failed shard={} errc={} error={}", st.shard, to_string(error.code),
                error.detail);
  return caf::make_error(caf::sec::runtime_error, "storage failed: " + error.detail);
}

/// Ends the actor with `error`, which is also the answer: nothing unconfirmed
/// is ever acknowledged.
caf::error crash(storage_actor_type* self, const storage_error& error) {
  auto reason = storage_failure(self->state, error);
  self->quit(reason);
  return reason;
}

/// Commits `batch`; on failure the actor ends (crash above).
std::optional<caf::error> commit_or_crash(storage_actor_type* self, write_batch& batch, bool sync) {
  auto committed = self->state.db->commit(batch, sync);
  if (committed)
    return std::nullopt;
  return crash(self, committed.error());
}

// -- long work ----------------------------------------------------------------
// A whole shard's data passes through a snapshot's install, export or import,
// and a digest, and a whole log through a load: with a large shard that takes
// seconds. The storage actor runs on the node's scheduler (the fsyncs are the
// log syncer's, one per turn at most), so it hands such work to a thread of
// its own, and the scheduler goes on serving every other actor of the node.
// run_long AWAITS the answer: this shard's later requests still wait their
// turn, since an awaiting actor handles nothing else; work that writes the
// shard or must see it as of its place in the mailbox needs that. run_beside
// does not wait: the shard's later requests are served meanwhile, and the
// answer comes when the work is done. That is for an export, which reads a
// read view of its own (engine::export_shard), taken after every request
// before it was served. `work` must capture what it uses by value (shared
// pointers): if the actor is killed meanwhile, the thread finishes on its
// own. `after`, if given, runs on the actor once the work succeeded, before
// the answer. Work that replaces the shard holds engine::shard_rewrite_lock,
// which the actor's successor takes before it reads the shard. Under the
// deterministic test coordinator (no threads of its own) the work runs in
// place. A failure ends the actor, as a failed commit does.
enum class waiting { awaits, goes_on };

// Work the actor does not wait for (an export) is background work: it runs
// at nice 10 on its detached thread (Linux sets niceness per thread), so that
// on a busy machine the schedulers' threads, which carry every heartbeat and
// write of the node, get the cores first. An export that took a core from
// its node's scheduler as a peer with the same weight delayed the node's
// heartbeats past its followers' election timeouts (docs/benchmarks.md
// section 34). A refusal (no permission) leaves the thread as it is.
void yield_to_the_scheduler() {
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
}

template <class T>
caf::result<T> run_on_thread(storage_actor_type* self, waiting how, std::function<T()> work,
                             std::function<void()> after) {
  if (!self->state.own_threads) {
    auto out = work(); // an engine_error reaches the actor's exception handler
    if (after)
      after();
    return out;
  }
  auto worker = self->system().spawn<caf::detached>(
    [work = std::move(work), how](caf::event_based_actor* w) -> caf::behavior {
      return {[w, work, how](caf::get_atom) -> caf::result<T> {
        w->quit();
        if (how == waiting::goes_on)
          yield_to_the_scheduler();
        try {
          return work();
        } catch (const engine_error& e) {
          return caf::make_error(caf::sec::runtime_error, "storage failed: " + e.error().detail);
        }
      }};
    });
  auto rp = self->make_response_promise<T>();
  auto done = [rp, after = std::move(after)](T& out) mutable {
    if (after)
      after();
    rp.deliver(std::move(out));
  };
  auto failed = [self, rp](caf::error& err) mutable {
    self->state.log->error("storage failed shard={} error={}", self->state.shard,
                           self->system().render(err));
    rp.deliver(err);
    self->quit(err);
  };
  auto asked = self->request(worker, caf::infinite, caf::get_atom_v);
  if (how == waiting::awaits)
    asked.await(std::move(done), std::move(failed));
  else
    asked.then(std::move(done), std::move(failed));
  return rp;
}

template <class T>
caf::result<T> run_long(storage_actor_type* self, std::function<T()> work,
                        std::function<void()> after = nullptr) {
  return run_on_thread<T>(self, waiting::awaits, std::move(work), std::move(after));
}

template <class T>
caf::result<T> run_beside(storage_actor_type* self, std::function<T()> work) {
  return run_on_thread<T>(self, waiting::goes_on, std::move(work), nullptr);
}

kv::Response invalid_argument(std::string error) {
  kv::Response response;
  response.set_status(kv::STATUS_INVALID_ARGUMENT);
  response.set_error(std::move(error));
  return response;
}

kv::Response handle_request(const storage_state& st, const kv::Request& request) {
  if (auto checked = validate(request, st.lim); !checked)
    return invalid_argument(std::move(checked).error().detail);
  if (!request.has_get())
    return invalid_argument("writes go through the shard's replica");
  return st.replica->read(request.get());
}

// One ready, one commit. The write is committed here, unsynced, and the
// answer is the log syncer's: it comes once an fsync covers the write, one
// fsync for every shard whose persist arrived meanwhile (log_syncer.hpp). The
// next request of this shard may be handled before then; the replica sends it
// only after this answer. The applies ride in the same batch: their entries
// are committed, so they may be seen before the fsync, and a crash before it
// loses them together with the commit index that allowed them, never one
// without the other. A ready that only moved the commit index is not synced
// (raft::ready::must_sync): it is answered at once.
caf::result<pb<ApplyResult>> handle_persist(storage_actor_type* self,
                                            const PersistRequest& request) {
  auto& st = self->state;
  if (request.has_snapshot()) {
    // A whole shard's data, written once in a long while: on a thread of its
    // own, synced there.
    return run_long<pb<ApplyResult>>(
      self, [db = st.db, replica = st.replica, request, shard = st.shard, log = st.log] {
        std::lock_guard rewriting{db->shard_rewrite_lock(shard)};
        auto batch = db->make_batch();
        replica->persist(request, batch);
        auto applied = replica->apply(request.committed(), batch);
        if (!applied)
          throw engine_error{applied.error()};
        if (auto committed = db->commit(batch, true); !committed)
          throw engine_error{committed.error()};
        log->info("installed snapshot shard={} index={} term={}", shard,
                  request.snapshot().metadata().index(), request.snapshot().metadata().term());
        return make_pb(std::move(applied).value());
      });
  }
  auto batch = st.db->make_batch();
  st.replica->persist(request, batch);
  auto start = std::chrono::steady_clock::now();
  auto applied = st.replica->apply(request.committed(), batch);
  if (!applied) // the batch and the replica's session order go with the actor
    return crash(self, applied.error());
  if (request.committed_size() > 0)
    st.apply_seconds->observe(seconds_since(start));
  if (!must_sync(request)) {
    if (auto failed = commit_or_crash(self, batch, false))
      return *failed;
    return make_pb(std::move(applied).value());
  }
  auto ticket = st.db->commit_for_sync(batch);
  if (!ticket)
    return crash(self, ticket.error());
  st.log->debug("persisted shard={} entries={} hard_state={} committed={} ticket={}", st.shard,
                request.entries_size(), request.has_hard_state(), request.committed_size(),
                *ticket);
  return self->delegate(st.syncer, flush_atom_v, *ticket, make_pb(std::move(applied).value()));
}

caf::result<caf::ok_atom> handle_compact(storage_actor_type* self, uint64_t index) {
  auto& st = self->state;
  auto batch = st.db->make_batch();
  st.replica->compact(index, batch);
  if (auto failed = commit_or_crash(self, batch, false))
    return *failed;
  st.log->info("compacted log shard={} snapshot_index={}", st.shard,
               st.db->log_state(st.shard).snapshot_index());
  return caf::ok_atom_v;
}

caf::result<caf::ok_atom> handle_import(storage_actor_type* self, const ShardSnapshot& snapshot) {
  auto& st = self->state;
  if (snapshot.shard() != st.shard)
    return caf::make_error(caf::sec::invalid_argument,
                           "snapshot of shard " + std::to_string(snapshot.shard())
                             + " sent to the storage actor of shard " + std::to_string(st.shard));
  return run_long<caf::ok_atom>(
    self,
    [db = st.db, snapshot, log = st.log] {
      std::lock_guard rewriting{db->shard_rewrite_lock(snapshot.shard())};
      auto batch = db->make_batch();
      batch.replace_shard(snapshot);
      if (auto committed = db->commit(batch, true); !committed)
        throw engine_error{committed.error()};
      log->info("imported snapshot shard={} applied_index={} keys={}", snapshot.shard(),
                snapshot.applied_index(), snapshot.data_size());
      return caf::ok_atom_v;
    },
    [self] { // its session order came from the replaced records
      auto& st = self->state;
      st.replica = std::make_shared<replica_storage>(*st.db, st.shard);
    });
}

admin::ShardStatus status_of(const storage_state& st) {
  admin::ShardStatus status;
  status.set_shard(st.shard);
  status.set_applied_index(st.db->applied(st.shard).applied_index());
  status.set_last_index(st.db->last_index(st.shard));
  status.set_snapshot_index(st.db->log_state(st.shard).snapshot_index());
  return status;
}

admin::ShardDigest digest_of(const engine& db, uint32_t shard) {
  auto snapshot = db.export_shard(shard);
  admin::ShardDigest out;
  out.set_shard(shard);
  out.set_applied_index(snapshot.applied_index());
  out.set_keys(static_cast<uint64_t>(snapshot.data_size()));
  out.set_sessions(static_cast<uint64_t>(snapshot.sessions_size()));
  out.set_digest(digest_hex(state_digest(snapshot)));
  return out;
}

storage_api::behavior_type storage_actor(storage_actor_type* self, std::shared_ptr<engine> db,
                                         log_syncer_api syncer, uint32_t shard, limits lim,
                                         bool own_threads,
                                         std::shared_ptr<metrics::node_metrics> metrics) {
  auto& st = self->state;
  st.db = std::move(db);
  st.syncer = std::move(syncer);
  st.own_threads = own_threads;
  st.metrics = metrics ? std::move(metrics) : std::make_shared<metrics::node_metrics>();
  st.apply_seconds = &st.metrics->apply_seconds();
  st.shard = shard;
  st.lim = lim;
  st.log = component_logger("storage");
  // The one place that catches a failed read (storage_error.hpp): it ends
  // the actor like a failed commit does, and its supervisor restarts it from
  // durable state. Anything else thrown is CAF's to report.
  self->set_exception_handler([self](std::exception_ptr& thrown) -> caf::error {
    try {
      std::rethrow_exception(thrown);
    } catch (const engine_error& e) {
      return storage_failure(self->state, e.error());
    } catch (...) {
      return caf::scheduled_actor::default_exception_handler(self, thrown);
    }
  });
  {
    // A predecessor killed while it replaced this shard left its thread to
    // finish (run_long): wait for it before reading the shard.
    std::lock_guard rewritten{st.db->shard_rewrite_lock(shard)};
    st.replica = std::make_shared<replica_storage>(*st.db, shard);
  }
  auto applied = st.db->applied(shard);
  st.log->info("started shard={} applied_index={} applied_term={}", shard, applied.applied_index(),
               applied.applied_term());
  return {
    [self](load_atom) {
      return run_long<pb<ReplicaState>>(self, [db = self->state.db, replica = self->state.replica] {
        return make_pb(replica->load()); // reads through db, which it keeps alive
      });
    },
    [self](persist_atom, const pb<PersistRequest>& request) {
      return handle_persist(self, request.msg);
    },
    [self](compact_atom, uint64_t index) { return handle_compact(self, index); },
    [self](kv_atom, const pb<kv::Request>& request) {
      return make_pb(handle_request(self->state, request.msg));
    },
    // The reads of one turn of a replica in one message: each answered as if
    // it came alone, under its tag, in order.
    [self](kv_atom, const pb<kv::RequestBatch>& batch) {
      kv::ResponseBatch out;
      for (const auto& tagged : batch->requests()) {
        auto* answer = out.add_responses();
        answer->set_tag(tagged.tag());
        *answer->mutable_response() = handle_request(self->state, tagged.request());
      }
      return make_pb(std::move(out));
    },
    [self](snap_atom) {
      return run_beside<pb<ShardSnapshot>>(self, [db = self->state.db, shard = self->state.shard] {
        return make_pb(db->export_shard(shard));
      });
    },
    [self](snap_atom, const pb<ShardSnapshot>& snapshot) {
      return handle_import(self, snapshot.msg);
    },
    [self](status_atom) { return make_pb(status_of(self->state)); },
    [self](digest_atom) {
      return run_long<pb<admin::ShardDigest>>(self,
                                              [db = self->state.db, shard = self->state.shard] {
                                                return make_pb(digest_of(*db, shard));
                                              });
    },
  };
}

} // namespace

storage_api spawn_storage_actor(caf::actor_system& sys, std::shared_ptr<engine> db,
                                log_syncer_api syncer, uint32_t shard, limits lim, spawn_mode mode,
                                std::shared_ptr<metrics::node_metrics> metrics) {
  KEEL_ASSERT(syncer, "a storage actor needs its node's log syncer");
  // On the scheduler in both modes: the fsync is the log syncer's (there or
  // on its own thread, log_syncer.hpp), whole-shard work runs in run_long's
  // threads.
  return sys.spawn(storage_actor, std::move(db), std::move(syncer), shard, lim,
                   mode == spawn_mode::threads, std::move(metrics));
}

} // namespace keel::storage
