// Always-on invariant checks for the Raft core. A broken invariant means the
// code or its durable state is wrong; continuing could lose committed data, so
// the process crashes and its supervisor restarts it from durable state (style
// guide §8). Unlike assert(), these stay on in release builds.
#pragma once

namespace keel::raft::detail {

/// Prints where and what broke to stderr, then aborts.
[[noreturn]] void invariant_failed(const char* file, int line, const char* condition,
                                   const char* what);

} // namespace keel::raft::detail

/// Crashes with `what` unless `condition` holds.
#define KEEL_RAFT_INVARIANT(condition, what)                                             \
  do {                                                                                   \
    if (!(condition))                                                                    \
      ::keel::raft::detail::invariant_failed(__FILE__, __LINE__, #condition, (what));    \
  } while (false)
