// One structured log line per supervision event (OTP's supervisor reports):
// child started, exited, start failed, restarting, intensity exceeded,
// shutdown timeout, supervisor stopping. Fields are key=value. Logs to the
// spdlog logger named "sup", or to the default logger if there is none.
// Owned by one supervisor_state.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "supervisors/core/child_spec.hpp"
#include "supervisors/core/exit_class.hpp"

namespace spdlog {
class logger;
} // namespace spdlog

namespace keel::sup {

/// The report writer of one supervisor.
class event_log {
public:
  explicit event_log(std::string supervisor_path);

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
};

} // namespace keel::sup
