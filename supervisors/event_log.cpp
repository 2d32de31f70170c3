#include "supervisors/event_log.hpp"

#include <spdlog/spdlog.h>

#include "actors/metrics/core/node_metrics.hpp"

namespace keel::sup {

namespace {

std::string join(const std::vector<std::string>& xs) {
  std::string out = "[";
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i > 0)
      out += ',';
    out += xs[i];
  }
  out += ']';
  return out;
}

} // namespace

event_log::event_log(std::string supervisor_path, std::shared_ptr<metrics::node_metrics> metrics)
  : path_(std::move(supervisor_path)),
    log_(spdlog::get("sup")),
    metrics_(std::move(metrics)) {
  if (!log_)
    log_ = spdlog::default_logger();
}

void event_log::child_started(const std::string& child_path, uint64_t actor_id,
                              uint32_t restart_count) {
  log_->info("event=child_started supervisor={} child={} actor_id={} restart_count={}", path_,
             child_path, actor_id, restart_count);
  if (restart_count == 0 || !metrics_)
    return;
  // A child restarted because a sibling failed (one_for_all, rest_for_one)
  // was stopped by its supervisor: its own exit was a shutdown.
  auto last = last_exit_.find(child_path);
  auto why = last == last_exit_.end() ? exit_class::shutdown : last->second;
  metrics_->restarts(child_path, to_string(why)).inc();
}

void event_log::child_exited(const std::string& child_path, uint64_t actor_id,
                             const std::string& reason, exit_class why) {
  last_exit_[child_path] = why;
  auto level = why == exit_class::abnormal ? spdlog::level::warn : spdlog::level::info;
  log_->log(level, "event=child_exited supervisor={} child={} actor_id={} class={} reason=\"{}\"",
            path_, child_path, actor_id, to_string(why), reason);
}

void event_log::start_failed(const std::string& child_path, const std::string& reason,
                             bool will_retry) {
  log_->warn("event=start_failed supervisor={} child={} retry={} reason=\"{}\"", path_, child_path,
             will_retry, reason);
}

void event_log::restarting(const std::string& failed_path, strategy strat,
                           const std::vector<std::string>& stop,
                           const std::vector<std::string>& start) {
  log_->info("event=restarting supervisor={} failed={} strategy={} stop={} start={}", path_,
             failed_path, to_string(strat), join(stop), join(start));
}

void event_log::intensity_exceeded(const std::string& failed_path, uint32_t intensity,
                                   uint32_t period_ms) {
  log_->error("event=intensity_exceeded supervisor={} failed={} intensity={} period_ms={}", path_,
              failed_path, intensity, period_ms);
  if (metrics_)
    metrics_->gave_up(path_).inc();
}

void event_log::shutdown_timeout(const std::string& child_path, uint32_t timeout_ms) {
  log_->warn("event=shutdown_timeout supervisor={} child={} timeout_ms={} action=kill", path_,
             child_path, timeout_ms);
}

void event_log::supervisor_stopping(const std::string& reason) {
  log_->info("event=supervisor_stopping supervisor={} reason=\"{}\"", path_, reason);
}

} // namespace keel::sup
