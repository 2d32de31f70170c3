#include "apps/keelctl/tree_command.hpp"

#include <ostream>
#include <variant>

#include "apps/keelctl/render.hpp"

namespace keel::keelctl {

int run_tree(const target& t, const std::string& node, const admin_io& io) {
  std::vector<size_t> targets;
  if (!node.empty()) {
    auto found = find_node(t, node);
    if (!found)
      return fail(io.err, exit_usage, "tree: " + found.error().detail);
    targets.push_back(*found);
  }
  client::runtime rt{t.transport};
  client::session s{rt, t.options};
  auto results = node.empty()
                   ? s.tree_all()
                   : std::vector<client::admin_result<admin::NodeTree>>{s.tree(targets.front())};
  if (node.empty())
    for (size_t i = 0; i < results.size(); ++i)
      targets.push_back(i);
  const auto& eps = s.endpoints();
  if (io.json) {
    nlohmann::json nodes = nlohmann::json::array();
    for (size_t k = 0; k < results.size(); ++k) {
      const auto& ep = eps[targets[k]];
      nlohmann::json n{
        {"id", ep.node_id}, {"address", ep.address()}, {"reachable", results[k].ok()}};
      if (results[k].ok())
        n["root"] = to_json(results[k].value->root());
      else
        n["error"] = results[k].error;
      nodes.push_back(std::move(n));
    }
    io.out << json_text({{"nodes", nodes}}) << std::endl;
  } else {
    for (size_t k = 0; k < results.size(); ++k) {
      const auto& ep = eps[targets[k]];
      if (k > 0)
        io.out << '\n';
      if (!results[k].ok()) {
        io.out << heading(ep) << ": unreachable (" << detail_of(results[k].error, ep) << ")\n";
        continue;
      }
      io.out << heading(ep) << '\n';
      print_tree(io.out, results[k].value->root(), io.style);
    }
    io.out.flush();
  }
  if (!node.empty() && !results.front().ok())
    return fail(io.err, code_of(results.front()),
                "tree " + node + ": " + results.front().error
                  + ": is the node up? see 'keelctl cluster status'");
  return any_ok(results) ? exit_done : none_answered(io, "tree", results);
}

} // namespace keel::keelctl
