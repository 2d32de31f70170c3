#include "apps/keel_bench/cluster_watch.hpp"

#include "apps/keel_bench/cluster_view.hpp"
#include "apps/launcher/process.hpp"

namespace keel::bench {

std::vector<admin::NodeStatus> poll_status(client::session& s) {
  std::vector<admin::NodeStatus> out;
  for (auto& r : s.status_all())
    if (r.ok())
      out.push_back(std::move(*r.value));
  return out;
}

std::optional<std::vector<admin::NodeStatus>>
await_settled(client::session& s, const config::cluster_config& cfg,
              std::chrono::steady_clock::duration limit) {
  std::vector<admin::NodeStatus> nodes;
  bool settled = launcher::poll_until(
    launcher::steady::now() + limit,
    [&] {
      nodes = poll_status(s);
      return caught_up(cfg, nodes);
    },
    std::chrono::milliseconds{100});
  if (!settled)
    return std::nullopt;
  return nodes;
}

} // namespace keel::bench
