// The decision at the heart of a supervisor, after OTP supervisor.erl: given
// the flags, the children in start order, the child that exited, how it exited
// and the time, which children to stop and restart, which to forget, or
// whether to give up. Pure: no CAF, no clock. The supervisor actor executes
// the plans it returns.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "supervisors/core/child_spec.hpp"
#include "supervisors/core/exit_class.hpp"
#include "supervisors/core/restart_window.hpp"

namespace keel::sup {

/// What the policy needs to know about one child.
struct child_view {
  std::string id;
  restart_type restart = restart_type::permanent;
  bool running = false; // the child has a live incarnation
};

/// What a supervisor does next.
struct plan {
  enum class verdict {
    none,    ///< nothing restarts (the child is not to be restarted)
    restart, ///< stop `stop`, then start `start`
    give_up, ///< intensity exceeded: stop `stop`, then exit abnormally
  };
  verdict what = verdict::none;
  /// Running children to stop, in stop order (reverse start order).
  std::vector<std::string> stop;
  /// Children to (re)start once `stop` is done, in start order.
  std::vector<std::string> start;
  /// Children that leave the child list once stopped: temporary children,
  /// and dynamic children of a simple_one_for_one supervisor that are not
  /// restarted.
  std::vector<std::string> remove;
};

/// True if a child of this restart type is restarted after such an exit:
/// permanent always, transient only after an abnormal exit, temporary never.
bool should_restart(restart_type type, exit_class why);

/// The restart policy of one supervisor; it owns the intensity window.
class restart_policy {
public:
  explicit restart_policy(flags f);

  /// Decides what follows the exit of child `failed` (also called when a
  /// failed start is tried again: a failed start is an abnormal exit, and
  /// each try counts against the intensity, as in OTP's try_again_restart).
  /// `children` lists every child in start order; `failed` is not running.
  /// An unknown `failed` yields verdict::none with no action.
  [[nodiscard]] plan on_child_exit(const std::vector<child_view>& children,
                                   const std::string& failed, exit_class why, uint64_t now_ms);

  /// Stops every running child in reverse start order (orderly shutdown).
  [[nodiscard]] static plan stop_all(const std::vector<child_view>& children);

  const flags& config() const { return flags_; }

private:
  flags flags_;
  restart_window window_;
};

} // namespace keel::sup
