#include "actors/config/core/cluster_config.hpp"

#include <algorithm>
#include <filesystem>

namespace keel::config {

namespace fs = std::filesystem;

const node_config* cluster_config::find_node(std::string_view id) const {
  auto it = std::find_if(nodes.begin(), nodes.end(), [&](auto& n) { return n.id == id; });
  return it == nodes.end() ? nullptr : &*it;
}

std::string cluster_config::node_dir(std::string_view node_id) const {
  return (fs::path{data_dir} / node_id).string();
}

std::string cluster_config::pid_file_path(std::string_view node_id) const {
  return (fs::path{data_dir} / node_id / "keel-node.pid").string();
}

std::string cluster_config::log_file_path(std::string_view node_id) const {
  return (fs::path{data_dir} / node_id / "keel-node.log").string();
}

} // namespace keel::config
