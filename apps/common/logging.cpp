// logging: builds the component loggers on shared sinks (see logging.hpp).

#include "apps/common/logging.hpp"

#include <chrono>
#include <filesystem>
#include <mutex>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace keel {
namespace {

/// What new loggers are built from. spdlog's registry is process-wide by
/// design (loggers are found by name), so the sinks they share are too.
struct logger_recipe {
  std::mutex mutex;
  std::vector<spdlog::sink_ptr> sinks; // empty until first use
  spdlog::level::level_enum level = spdlog::level::info;
  std::string pattern = "[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] %v";
};

logger_recipe& recipe() {
  static logger_recipe instance;
  return instance;
}

// REQUIRES: recipe().mutex held.
std::shared_ptr<spdlog::logger> install(logger_recipe& r, const std::string& name) {
  if (r.sinks.empty())
    r.sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  spdlog::drop(name);
  auto logger = std::make_shared<spdlog::logger>(name, r.sinks.begin(), r.sinks.end());
  logger->set_level(r.level);
  logger->set_pattern(r.pattern);
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  return logger;
}

void install_components(logger_recipe& r) {
  for (auto name : component_logger_names)
    install(r, std::string{name});
  spdlog::set_default_logger(spdlog::get("node"));
}

} // namespace

std::optional<std::string> setup_logging(const config::log_config& log,
                                         const std::string& node_id,
                                         const std::string& log_file_path) {
  auto& r = recipe();
  std::lock_guard guard{r.mutex};
  std::optional<std::string> error;
  r.sinks.clear();
  if (log.to_stderr)
    r.sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (!log_file_path.empty()) {
    try {
      auto dir = std::filesystem::path{log_file_path}.parent_path();
      if (!dir.empty())
        std::filesystem::create_directories(dir);
      r.sinks.push_back(
        std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file_path, false));
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
  install_components(r);
  // Below warn nothing flushes by itself; a crash then loses at most ~1 s.
  spdlog::flush_every(std::chrono::seconds{1});
  return error;
}

void setup_quiet_logging(std::string_view tool_name) {
  auto& r = recipe();
  std::lock_guard guard{r.mutex};
  r.sinks.assign({std::make_shared<spdlog::sinks::stderr_color_sink_mt>()});
  r.level = spdlog::level::warn;
  r.pattern = std::string{tool_name} + ": [%l] %v";
  install_components(r);
}

std::shared_ptr<spdlog::logger> component_logger(std::string_view name) {
  std::string key{name};
  if (auto logger = spdlog::get(key))
    return logger;
  auto& r = recipe();
  std::lock_guard guard{r.mutex};
  if (auto logger = spdlog::get(key)) // another thread was faster
    return logger;
  return install(r, key);
}

} // namespace keel
