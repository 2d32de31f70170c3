#include "apps/keelctl/metrics_command.hpp"

#include <cmath>
#include <ostream>

#include "actors/metrics/core/exposition.hpp"
#include "apps/keelctl/render.hpp"

namespace keel::keelctl {

namespace {

nlohmann::json families_json(const std::vector<metrics::family>& fams) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : fams) {
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& s : f.samples) {
      nlohmann::json labels = nlohmann::json::object();
      for (const auto& [k, v] : s.ls)
        labels[k] = v;
      // +Inf, -Inf and NaN have no JSON number: they go as the format spells them.
      nlohmann::json value = std::isfinite(s.value)
                               ? nlohmann::json(s.value)
                               : nlohmann::json(metrics::render_value(s.value));
      samples.push_back({{"name", s.name}, {"labels", labels}, {"value", value}});
    }
    out.push_back({{"name", f.name},
                   {"type", metrics::to_string(f.type)},
                   {"help", f.help},
                   {"samples", samples}});
  }
  return out;
}

} // namespace

int run_metrics(const target& t, const std::string& node, const admin_io& io) {
  std::vector<size_t> targets;
  if (!node.empty()) {
    auto found = find_node(t, node);
    if (!found)
      return fail(io.err, exit_usage, "metrics: " + found.error().detail);
    targets.push_back(*found);
  }
  client::runtime rt{t.transport};
  client::session s{rt, t.options};
  auto results
    = node.empty()
        ? s.metrics_all()
        : std::vector<client::admin_result<admin::NodeMetrics>>{s.metrics(targets.front())};
  if (node.empty())
    for (size_t i = 0; i < results.size(); ++i)
      targets.push_back(i);
  const auto& eps = s.endpoints();
  int code = exit_done;
  nlohmann::json nodes = nlohmann::json::array();
  std::vector<std::pair<std::string, std::vector<metrics::family>>> answered;
  for (size_t k = 0; k < results.size(); ++k) {
    const auto& ep = eps[targets[k]];
    const auto& r = results[k];
    // What a node sends is checked before it is shown: a node (or whatever
    // answers on its port) gets no say over the shape of keelctl's output.
    std::string error = r.ok() ? "" : r.error;
    std::vector<metrics::family> fams;
    if (r.ok()) {
      auto parsed = metrics::parse_exposition(r.value->exposition());
      if (parsed)
        fams = std::move(parsed).value();
      else
        error = "node " + ep.node_id + " sent malformed metrics (line "
                + std::to_string(parsed.error().line) + ": " + parsed.error().what + ")";
    }
    if (!error.empty() && code == exit_done)
      code = r.ok() ? exit_unavailable : code_of(r);
    if (io.json) {
      nlohmann::json n{{"id", ep.node_id}, {"address", ep.address()}, {"reachable", r.ok()}};
      if (error.empty())
        n["families"] = families_json(fams);
      else
        n["error"] = error;
      nodes.push_back(std::move(n));
      continue;
    }
    if (!error.empty()) {
      io.err << "keelctl: metrics of " << heading(ep) << ": " << detail_of(error, ep) << "\n";
      continue;
    }
    if (io.style == table_style::simple) {
      for (const auto& f : fams)
        for (const auto& smp : f.samples)
          io.out << ep.node_id << ", " << smp.name << metrics::render_labels(smp.ls) << ", "
                 << metrics::render_value(smp.value) << "\n";
      continue;
    }
    if (targets.size() == 1)
      io.out << r.value->exposition(); // exactly what its /metrics serves
    else
      answered.emplace_back(ep.node_id.empty() ? ep.address() : ep.node_id, std::move(fams));
  }
  if (io.json)
    io.out << json_text({{"nodes", nodes}}) << std::endl;
  else if (!answered.empty())
    io.out << metrics::render_exposition(metrics::merge_labelled(answered, "node"));
  return code;
}

} // namespace keel::keelctl
