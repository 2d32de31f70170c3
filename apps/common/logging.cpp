// logging: builds the sinks of the component loggers (see logging.hpp).

#include "apps/common/logging.hpp"

#include <chrono>
#include <filesystem>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/log/logger.hpp"

namespace keel {

std::optional<std::string> setup_logging(const config::log_config& log, const std::string& node_id,
                                         const std::string& log_file_path) {
  logger_recipe r;
  std::optional<std::string> error;
  if (log.to_stderr)
    r.sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (!log_file_path.empty()) {
    try {
      auto dir = std::filesystem::path{log_file_path}.parent_path();
      if (!dir.empty())
        std::filesystem::create_directories(dir);
      r.sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file_path, false));
    } catch (const std::exception& e) {
      error = "cannot open log file " + log_file_path + ": " + e.what();
      if (!log.to_stderr)
        r.sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    }
  }
  if (r.sinks.empty()) // no stderr, no file: logging is off, as configured
    r.sinks.push_back(std::make_shared<spdlog::sinks::null_sink_mt>());
  r.level = spdlog::level::from_str(log.level);
  // Node ids are [A-Za-z0-9_-] (validated), so they cannot contain '%'.
  r.pattern = "[%Y-%m-%d %H:%M:%S.%e] [" + node_id + "] [%n] [%l] %v";
  install_component_loggers(std::move(r));
  // Below warn nothing flushes by itself; a crash then loses at most ~1 s.
  spdlog::flush_every(std::chrono::seconds{1});
  return error;
}

void setup_quiet_logging(std::string_view tool_name) {
  logger_recipe r;
  r.sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  r.level = spdlog::level::warn;
  r.pattern = std::string{tool_name} + ": [%l] %v";
  install_component_loggers(std::move(r));
}

} // namespace keel
