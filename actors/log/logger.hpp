// logger: the spdlog loggers of the shells, one per component ("node", "sup",
// "storage", "raft", "client", "monitor", "transport"), found by name.
//
// The accessor lives here, in the shell layer, so that actors log without
// depending on the apps; where the lines go (stderr, the node's log file, the
// pattern with the node id) is decided once at start by the apps
// (apps/common/logging.hpp), which hand a recipe to install_component_loggers.
// Cores never see spdlog.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/common.h>
#include <spdlog/logger.h>

namespace keel {

/// The loggers install_component_loggers creates, one per component.
inline constexpr std::string_view component_logger_names[]
  = {"node", "sup", "storage", "raft", "client", "monitor", "transport"};

/// What every component logger is built from.
struct logger_recipe {
  std::vector<spdlog::sink_ptr> sinks; // empty: one stderr sink
  spdlog::level::level_enum level = spdlog::level::info;
  std::string pattern = "[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] %v";
};

/// Makes `recipe` the one new loggers are built from and re-creates every
/// component logger on it ("node" becomes spdlog's default logger). A logger
/// fetched before keeps its old sinks, so apps call this before starting actors.
void install_component_loggers(logger_recipe recipe);

/// The logger named `name`. If it does not exist yet (nothing was installed,
/// as in tests, or the name is not a component), it is created on the current
/// recipe: stderr at info level when none was installed. Thread-safe.
std::shared_ptr<spdlog::logger> component_logger(std::string_view name);

} // namespace keel
