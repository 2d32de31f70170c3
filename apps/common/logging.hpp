// logging: where keel-node's and the client tools' log lines go.
//
// Called once at start by each app's main: it builds the sinks (stderr, the
// node's log file) and the pattern, and installs them as the recipe of the
// component loggers (actors/log/logger.hpp), which actors then fetch with
// component_logger(). Cores never see spdlog.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "actors/config/core/cluster_config.hpp"

namespace keel {

/// Creates (or re-creates) every component logger for keel-node. They share a
/// stderr sink (if `log.to_stderr`) and a file sink appending to
/// `log_file_path` (if non-empty; parent directories are created). Pattern:
/// "[2026-11-26 10:00:00.123] [n1] [raft] [info] msg". Level from `log.level`;
/// every logger flushes on warn and above, and all flush once per second.
/// Returns what failed if the log file cannot be opened; the loggers then
/// write to stderr only, so the caller can still report the error. Call it
/// before fetching loggers: a logger fetched earlier keeps its old sinks.
// REQUIRES: log.level is one that parse_cluster_config accepts.
[[nodiscard]] std::optional<std::string> setup_logging(const config::log_config& log,
                                                       const std::string& node_id,
                                                       const std::string& log_file_path);

/// For client tools (keelctl, keel-bench): every component logger writes only
/// warnings and errors, to stderr, as "<tool_name>: [warning] msg".
void setup_quiet_logging(std::string_view tool_name);

} // namespace keel
