// One structured log line per supervision event (OTP's supervisor reports):
// child started, exited, start failed, restarting, intensity exceeded,
// shutdown timeout, supervisor stopping. Fields are key=value. Logs to the
// spdlog logger named "sup", or to the default logger if there is none, and
// counts restarts (by child path and the class of the exit that caused them)
// and give-ups into the node's metrics, if it has them.
// Owned by one supervisor_state.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "supervisors/core/child_spec.hpp"
#include "supervisors/core/exit_class.hpp"

namespace spdlog {
class logger;
} // namespace spdlog

namespace keel::metrics {
class node_metrics;
}

namespace keel::sup {

/// The report writer of one supervisor.
class event_log {
public:
  explicit event_log(std::string supervisor_path,
                     std::shared_ptr<metrics::node_metrics> metrics = nullptr);

  void child_started(const std::string& child_path, uint64_t actor_id, uint32_t restart_count);
  void child_exited(const std::string& child_path, uint64_t actor_id, const std::string& reason,
                    exit_class why);
  void start_failed(const std::string& child_path, const std::string& reason, bool will_retry);
  void restarting(const std::string& failed_path, strategy strat,
                  const std::vector<std::string>& stop, const std::vector<std::string>& start);
  void intensity_exceeded(const std::string& failed_path, uint32_t intensity, uint32_t period_ms);
  void shutdown_timeout(const std::string& child_path, uint32_t timeout_ms);
  void supervisor_stopping(const std::string& reason);

private:
  std::string path_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<metrics::node_metrics> metrics_;
  std::map<std::string, exit_class> last_exit_; // by child path: what the next start restarts
};

} // namespace keel::sup
