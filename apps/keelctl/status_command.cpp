#include "apps/keelctl/status_command.hpp"

#include <algorithm>
#include <map>
#include <ostream>
#include <utility>

#include "apps/keelctl/render.hpp"

namespace keel::keelctl {

namespace {

using status_results = std::vector<client::admin_result<admin::NodeStatus>>;

void print_json(const status_results& all, const std::vector<client::endpoint>& eps,
                std::ostream& out) {
  nlohmann::json nodes = nlohmann::json::array();
  for (size_t i = 0; i < all.size(); ++i) {
    nlohmann::json n{
      {"id", eps[i].node_id}, {"address", eps[i].address()}, {"reachable", all[i].ok()}};
    if (all[i].ok()) {
      n["uptime_ms"] = all[i].value->uptime_ms();
      n["shards"] = nlohmann::json::array();
      for (const auto& sh : all[i].value->shards())
        n["shards"].push_back(to_json(sh));
    } else {
      n["error"] = all[i].error;
    }
    nodes.push_back(std::move(n));
  }
  out << json_text({{"nodes", nodes}}) << std::endl;
}

void print_tables(const status_results& all, const std::vector<client::endpoint>& eps,
                  std::ostream& out, table_style style) {
  std::vector<std::vector<std::string>> node_rows{{"NODE", "ADDRESS", "STATE", "UPTIME"}};
  // (shard, endpoint) -> row, so replicas of one shard sit together.
  std::map<std::pair<uint32_t, size_t>, std::vector<std::string>> shard_rows;
  // A replica's lag: how many log entries the shard's leader has that the
  // replica is not known to hold (leader's last index - match index).
  std::map<std::pair<uint32_t, std::string>, uint64_t> lag;
  for (const auto& r : all)
    if (r.ok())
      for (const auto& sh : r.value->shards())
        if (sh.role() == "leader")
          for (const auto& p : sh.progress())
            lag[{sh.shard(), p.node_id()}]
              = sh.last_index() - std::min(sh.last_index(), p.match_index());
  auto lag_text = [&](uint32_t shard, const std::string& node) {
    auto i = lag.find({shard, node});
    return i == lag.end() ? std::string{"-"} : std::to_string(i->second);
  };
  for (size_t i = 0; i < all.size(); ++i) {
    const auto& r = all[i];
    node_rows.push_back(
      {eps[i].name(), eps[i].address(), r.ok() ? "up" : "unreachable",
       r.ok() ? duration_text(r.value->uptime_ms()) : detail_of(r.error, eps[i])});
    if (!r.ok())
      continue;
    for (const auto& sh : r.value->shards())
      shard_rows[{sh.shard(), i}] = {std::to_string(sh.shard()),
                                     eps[i].name(),
                                     sh.role(),
                                     std::to_string(sh.term()),
                                     std::to_string(sh.commit_index()),
                                     std::to_string(sh.applied_index()),
                                     lag_text(sh.shard(), r.value->node_id()),
                                     sh.leader_id().empty() ? "-" : sh.leader_id()};
  }
  print_table(out, node_rows, style);
  if (!shard_rows.empty()) {
    std::vector<std::vector<std::string>> rows{
      {"SHARD", "NODE", "ROLE", "TERM", "COMMIT", "APPLIED", "LAG", "LEADER"}};
    for (auto& [key, row] : shard_rows)
      rows.push_back(std::move(row));
    out << '\n';
    print_table(out, rows, style);
  }
  out.flush();
}

} // namespace

int run_status(const target& t, const admin_io& io) {
  client::runtime rt{t.transport};
  client::session s{rt, t.options};
  auto all = s.status_all();
  if (io.json)
    print_json(all, s.endpoints(), io.out);
  else
    print_tables(all, s.endpoints(), io.out, io.style);
  return any_ok(all) ? exit_done : none_answered(io, "status", all);
}

} // namespace keel::keelctl
