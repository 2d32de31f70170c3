#include "actors/storage/log_syncer.hpp"

#include <chrono>

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

} // namespace

log_syncer_api spawn_log_syncer(caf::actor_system& sys, std::shared_ptr<engine> db, spawn_mode mode,
                                std::shared_ptr<metrics::node_metrics> metrics) {
  if (mode == spawn_mode::threads)
    return sys.spawn<caf::detached>(log_syncer, std::move(db), std::move(metrics));
  return sys.spawn(log_syncer, std::move(db), std::move(metrics));
}

} // namespace keel::storage
