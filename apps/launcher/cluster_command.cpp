// cluster_command: checks a `keelctl cluster` command line against the config
// and hands it to cluster_verbs, then to cluster_render.

#include "apps/launcher/cluster_command.hpp"

#include <algorithm>
#include <iterator>
#include <ostream>
#include <vector>

#include "apps/launcher/cluster_render.hpp"
#include "apps/launcher/cluster_verbs.hpp"

namespace keel {
namespace {

using config::cluster_config;
using config::node_config;
using launcher::exit_done;
using launcher::exit_usage;

bool needs_node(std::string_view verb) {
  return verb == "kill" || verb == "pause" || verb == "resume" || verb == "restart";
}

std::string node_ids(const cluster_config& cfg) {
  std::string ids;
  for (auto& n : cfg.nodes)
    ids.append(ids.empty() ? "" : ", ").append(n.id);
  return ids;
}

} // namespace

int run_cluster_command(const config::cluster_config& cfg, const std::string& config_path,
                        const std::string& verb, const std::string& node,
                        const std::string& bin_dir, bool json, std::ostream& out,
                        std::ostream& err) {
  if (std::find(std::begin(cluster_verb_names), std::end(cluster_verb_names), verb)
      == std::end(cluster_verb_names)) {
    err << "keelctl cluster: unknown command '" << verb
        << "'; use up, down, status, kill NODE, pause NODE, resume NODE or restart NODE\n";
    return exit_usage;
  }
  if (needs_node(verb) && node.empty()) {
    err << "keelctl cluster " << verb << ": needs a NODE, one of " << node_ids(cfg) << "\n";
    return exit_usage;
  }
  const node_config* target = node.empty() ? nullptr : cfg.find_node(node);
  if (!node.empty() && !target) {
    err << "keelctl cluster " << verb << ": unknown node '" << node << "'; " << cfg.source
        << " defines " << node_ids(cfg) << "\n";
    return exit_usage;
  }
  std::vector<const node_config*> targets;
  if (target)
    targets.push_back(target);
  else
    for (auto& n : cfg.nodes)
      targets.push_back(&n);
  launcher::cluster_verbs run{cfg, config_path, verb, bin_dir, err};
  int code = exit_done;
  if (verb == "up")
    code = run.up(targets);
  else if (verb == "down")
    code = run.down(targets);
  else if (verb == "status")
    code = run.status(targets);
  else if (verb == "restart")
    code = run.restart(*target);
  else
    code = run.signal(*target);
  launcher::render(verb, run.report(), json, out);
  return code;
}

} // namespace keel
