#include "actors/storage/log_syncer.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include <spdlog/spdlog.h>

#include "caf/all.hpp"

#include "actors/log/logger.hpp"
#include "actors/metrics/core/node_metrics.hpp"
#include "actors/storage/core/engine.hpp"

namespace keel::storage {

namespace {

struct log_syncer_state {
  static inline const char* name = "log-syncer";

  std::shared_ptr<engine> db;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<metrics::node_metrics> metrics;
  metrics::counter* fsyncs = nullptr;
  metrics::histogram* fsync_seconds = nullptr;
};

using log_syncer_type = log_syncer_api::stateful_base<log_syncer_state>;

caf::result<pb<ApplyResult>> flush(log_syncer_type* self, uint64_t ticket,
                                   pb<ApplyResult> results) {
  auto& st = self->state;
  auto start = std::chrono::steady_clock::now();
  auto synced = st.db->sync_through(ticket);
  if (!synced) {
    st.log->error("log sync failed errc={} error={}", to_string(synced.error().code),
                  synced.error().detail);
    auto reason
      = caf::make_error(caf::sec::runtime_error, "log sync failed: " + synced.error().detail);
    self->quit(reason);
    return reason;
  }
  if (*synced) {
    st.fsyncs->inc();
    st.fsync_seconds->observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return results;
}

log_syncer_api::behavior_type log_syncer(log_syncer_type* self, std::shared_ptr<engine> db,
                                         std::shared_ptr<metrics::node_metrics> metrics) {
  auto& st = self->state;
  st.db = std::move(db);
  st.metrics = metrics ? std::move(metrics) : std::make_shared<metrics::node_metrics>();
  st.fsyncs = &st.metrics->fsyncs();
  st.fsync_seconds = &st.metrics->fsync_seconds();
  st.log = component_logger("storage");
  return {
    [self](flush_atom, uint64_t ticket, pb<ApplyResult>& results) {
      return flush(self, ticket, std::move(results));
    },
  };
}

// -- the gate ---------------------------------------------------------------------
//
// [cluster] log_sync_thread: the fsync runs on a worker of its own (the syncer
// above), so the node's other actors go on during it, but the gate on the
// scheduler decides when: at most one fsync in flight, each started at the end
// of the scheduler's turn (a message the gate sends itself queues behind every
// persist already in its mailbox), covering every persist that arrived
// meanwhile. A syncer that fsynced on its own thread as each request came (the
// option's first form) started on the first persist of a turn and needed
// another for the rest: at 64 clients twice the fsyncs per write and a fifth
// to a third fewer writes than behind the gate (docs/benchmarks.md section 31).

struct waiting_flush {
  uint64_t ticket;
  pb<ApplyResult> results;
  caf::typed_response_promise<pb<ApplyResult>> promise;
};

struct sync_gate_state {
  static inline const char* name = "log-syncer";

  log_syncer_api worker;
  std::vector<waiting_flush> waiting; // arrived since the fsync in flight began
  bool start_planned = false;         // invariant: true iff a sync_atom is in the mailbox
  bool syncing = false;               // a flush is with the worker
};

using sync_gate_api = log_syncer_api::extend<caf::reacts_to<sync_atom>>;
using sync_gate_type = sync_gate_api::stateful_base<sync_gate_state>;

void plan_sync(sync_gate_type* self) {
  auto& st = self->state;
  if (st.start_planned || st.syncing || st.waiting.empty())
    return;
  st.start_planned = true;
  self->send(self, sync_atom_v);
}

// Hands the worker one flush through the highest ticket waiting; its answer
// releases all of them (an fsync makes durable every commit before it).
void start_sync(sync_gate_type* self) {
  auto& st = self->state;
  st.start_planned = false;
  if (st.syncing || st.waiting.empty())
    return;
  st.syncing = true;
  auto batch = std::make_shared<std::vector<waiting_flush>>(std::move(st.waiting));
  st.waiting.clear();
  uint64_t through = 0;
  for (const auto& w : *batch)
    through = std::max(through, w.ticket);
  self->request(st.worker, caf::infinite, flush_atom_v, through, pb<ApplyResult>{})
    .then(
      [self, batch](pb<ApplyResult>&) {
        for (auto& w : *batch)
          w.promise.deliver(std::move(w.results));
        self->state.syncing = false;
        plan_sync(self);
      },
      // The worker ended with a failed fsync: nothing it covered is answered
      // but with the error, and the gate ends with it (log_syncer.hpp). So
      // are the flushes waiting for the next fsync, which will not come:
      // their shards learn it now, not when their supervisor restarts them.
      [self, batch](caf::error& err) {
        for (auto& w : *batch)
          w.promise.deliver(err);
        for (auto& w : self->state.waiting)
          w.promise.deliver(err);
        self->state.waiting.clear();
        self->quit(std::move(err));
      });
}

sync_gate_api::behavior_type sync_gate(sync_gate_type* self, std::shared_ptr<engine> db,
                                       spawn_mode worker_mode,
                                       std::shared_ptr<metrics::node_metrics> metrics) {
  // Linked: the worker ends with the gate, and the gate with a worker that
  // ended (its failed fsync's reason).
  self->state.worker
    = worker_mode == spawn_mode::threads
        ? self->spawn<caf::detached + caf::linked>(log_syncer, std::move(db), std::move(metrics))
        : self->spawn<caf::linked>(log_syncer, std::move(db), std::move(metrics));
  return {
    [self](flush_atom, uint64_t ticket, pb<ApplyResult>& results) -> caf::result<pb<ApplyResult>> {
      auto promise = self->make_response_promise<pb<ApplyResult>>();
      self->state.waiting.push_back({ticket, std::move(results), promise});
      plan_sync(self);
      return promise;
    },
    [self](sync_atom) { start_sync(self); },
  };
}

} // namespace

log_syncer_api spawn_gated_log_syncer(caf::actor_system& sys, std::shared_ptr<engine> db,
                                      spawn_mode worker_mode,
                                      std::shared_ptr<metrics::node_metrics> metrics) {
  return caf::actor_cast<log_syncer_api>(
    sys.spawn(sync_gate, std::move(db), worker_mode, std::move(metrics)));
}

log_syncer_api spawn_log_syncer(caf::actor_system& sys, std::shared_ptr<engine> db,
                                std::shared_ptr<metrics::node_metrics> metrics) {
  return sys.spawn(log_syncer, std::move(db), std::move(metrics));
}

} // namespace keel::storage
