// The vocabulary of a supervision tree, after OTP's supervisor: restart
// strategies, restart types, shutdown specifications and restart intensity.
// Plain data, no CAF: the pure restart policy and the supervisor actor both
// speak it.
#pragma once

#include <cstdint>
#include <string>

namespace keel::sup {

/// How the siblings of a failed child are affected (OTP restart strategies).
enum class strategy {
  one_for_one,        ///< only the failed child restarts
  one_for_all,        ///< all children stop (reverse order) and restart (in order)
  rest_for_one,       ///< the failed child and those started after it restart
  simple_one_for_one, ///< one_for_one over dynamic children of a single spec
};

/// When a child that exited is restarted (OTP restart types).
enum class restart_type {
  permanent, ///< always
  transient, ///< only after an abnormal exit
  temporary, ///< never; the child is forgotten when it exits
};

/// Whether a child is a worker or a supervisor of its own subtree.
enum class child_kind { worker, supervisor };

/// How a supervisor stops a child (OTP shutdown specification).
struct shutdown_spec {
  enum class kind {
    brutal_kill, ///< kill at once; the child gets no chance to clean up
    timeout,     ///< ask with user_shutdown, kill after timeout_ms
    infinity,    ///< ask with user_shutdown and wait as long as it takes
  };
  kind k = kind::timeout;
  uint32_t timeout_ms = 5000; // only read when k == kind::timeout

  static shutdown_spec brutal_kill() { return {kind::brutal_kill, 0}; }
  static shutdown_spec after_ms(uint32_t ms) { return {kind::timeout, ms}; }
  static shutdown_spec infinity() { return {kind::infinity, 0}; }
};

/// Supervisor flags (OTP sup_flags).
struct flags {
  strategy strat = strategy::one_for_one;
  /// More than `intensity` restarts within `period_ms` make the supervisor
  /// give up: it stops all children and exits, so that its parent decides.
  uint32_t intensity = 3;
  uint32_t period_ms = 5000;
  /// Delay before a failed (re)start is tried again (OTP's try_again_restart
  /// retries at once; a delay spares a resource that needs time to recover).
  uint32_t retry_delay_ms = 0;
};

/// "one_for_one", "one_for_all", "rest_for_one" or "simple_one_for_one".
std::string to_string(strategy x);

/// "permanent", "transient" or "temporary".
std::string to_string(restart_type x);

/// "worker" or "supervisor".
std::string to_string(child_kind x);

} // namespace keel::sup
