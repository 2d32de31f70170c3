// The small logging interface of the Raft core. The core never depends on a
// logging library (style guide §8); the replica shell passes an adapter that
// forwards to its spdlog logger, tests pass nothing or a capturing logger.
#pragma once

#include <string_view>

namespace keel::raft {

/// How much an operator should care about a log line.
enum class log_level {
  debug, ///< per-message detail
  info,  ///< state transitions: elections, leadership changes, snapshots
  warn,  ///< a handled surprise: a stale or misrouted message, a lost quorum
};

/// Where raft::node writes its log lines. Lines read "event key=value ...".
class logger {
public:
  virtual ~logger() = default;

  /// Records one line. Called synchronously from node methods; must not call back into the node.
  virtual void write(log_level level, std::string_view line) = 0;
};

} // namespace keel::raft
