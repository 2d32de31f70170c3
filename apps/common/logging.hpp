// logging: the spdlog set-up shared by keel-node and the client tools.
//
// One named logger per component ("node", "sup", "storage", "raft", "client",
// "monitor", "transport"), all writing to the same sinks with the node id in
// the pattern. Called once at start by each app's main; actors then fetch
// their logger with component_logger(). Cores never see spdlog.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

#include "apps/common/cluster_config.hpp"

namespace keel {

/// The loggers setup_logging creates, one per component.
inline constexpr std::string_view component_logger_names[]
  = {"node", "sup", "storage", "raft", "client", "monitor", "transport"};

/// Creates (or re-creates) every component logger for keel-node. They share a
/// stderr sink (if `log.to_stderr`) and a file sink appending to
/// `log_file_path` (if non-empty; parent directories are created). Pattern:
/// "[2026-11-26 10:00:00.123] [n1] [raft] [info] msg". Level from `log.level`;
/// every logger flushes on warn and above, and all flush once per second.
/// Returns what failed if the log file cannot be opened; the loggers then
/// write to stderr only, so the caller can still report the error. Call it
/// before fetching loggers: a logger fetched earlier keeps its old sinks.
// REQUIRES: log.level is one that parse_cluster_config accepts.
[[nodiscard]] std::optional<std::string>
setup_logging(const config::log_config& log, const std::string& node_id,
              const std::string& log_file_path);

/// For client tools (keelctl, keel-bench): every component logger writes only
/// warnings and errors, to stderr, as "<tool_name>: [warning] msg".
void setup_quiet_logging(std::string_view tool_name);

/// The logger named `name`. If it does not exist yet (setup was never called,
/// as in tests, or the name is not a component), it is created on the
/// current sinks: stderr at info level when setup never ran.
std::shared_ptr<spdlog::logger> component_logger(std::string_view name);

} // namespace keel
