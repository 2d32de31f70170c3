#include "supervisors/core/restart_policy.hpp"

#include <algorithm>

namespace keel::sup {

std::string to_string(exit_class x) {
  switch (x) {
    case exit_class::normal: return "normal";
    case exit_class::shutdown: return "shutdown";
    case exit_class::abnormal: return "abnormal";
  }
  return "unknown";
}

bool should_restart(restart_type type, exit_class why) {
  switch (type) {
    case restart_type::permanent: return true;
    case restart_type::transient: return why == exit_class::abnormal;
    case restart_type::temporary: return false;
  }
  return false;
}

restart_policy::restart_policy(flags f)
  : flags_(f),
    window_(f.intensity, f.period_ms) {}

plan restart_policy::stop_all(const std::vector<child_view>& children) {
  plan p;
  // Reverse start order, as OTP stops children: dependents go first.
  // (An index, not std::views::reverse: clang 14 cannot parse libstdc++ 12's <ranges>.)
  for (auto i = children.size(); i-- > 0;)
    if (children[i].running)
      p.stop.push_back(children[i].id);
  return p;
}

plan restart_policy::on_child_exit(const std::vector<child_view>& children,
                                   const std::string& failed, exit_class why, uint64_t now_ms) {
  auto is_failed = [&](const child_view& c) { return c.id == failed; };
  auto it = std::find_if(children.begin(), children.end(), is_failed);
  if (it == children.end())
    return {};
  plan p;
  if (!should_restart(it->restart, why)) {
    // OTP del_child: a temporary child is forgotten; a dynamic child of a
    // simple_one_for_one supervisor too. A static transient child stays in
    // the list, not running, and may come back with a one_for_all restart.
    if (it->restart == restart_type::temporary || flags_.strat == strategy::simple_one_for_one)
      p.remove.push_back(failed);
    return p;
  }
  if (!window_.admit(now_ms)) {
    // OTP: reached_max_restart_intensity. Stop everything and exit, so that
    // the parent's strategy decides (escalation).
    p = stop_all(children);
    p.what = plan::verdict::give_up;
    return p;
  }
  p.what = plan::verdict::restart;
  auto first = children.begin();
  switch (flags_.strat) {
    case strategy::one_for_one:
    case strategy::simple_one_for_one: p.start.push_back(failed); return p;
    case strategy::one_for_all: break;
    case strategy::rest_for_one:
      first = it; // the children started after the failed one depend on it
      break;
  }
  // The affected range stops in reverse order and starts again in order.
  // Temporary children in it are stopped but never restarted (OTP
  // terminate_children removes them).
  for (auto i = children.end(); i != first;) {
    --i;
    if (i->running && !is_failed(*i))
      p.stop.push_back(i->id);
  }
  for (auto i = first; i != children.end(); ++i) {
    if (i->restart == restart_type::temporary)
      p.remove.push_back(i->id);
    else
      p.start.push_back(i->id);
  }
  return p;
}

} // namespace keel::sup
