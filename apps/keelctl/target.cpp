#include "apps/keelctl/target.hpp"

#include <algorithm>

namespace keel::keelctl {

std::variant<target, std::string> resolve_target(const std::string& config_path,
                                                 const std::string& endpoints,
                                                 uint32_t timeout_ms) {
  target t;
  if (!endpoints.empty()) {
    auto parsed = client::parse_endpoints(endpoints);
    if (auto* why = std::get_if<std::string>(&parsed))
      return "--endpoints: " + *why;
    t.options.endpoints = std::get<std::vector<client::endpoint>>(std::move(parsed));
  } else {
    auto loaded = config::load_cluster_config(config_path);
    if (auto* e = std::get_if<config::config_error>(&loaded))
      return e->to_string();
    t.cluster = std::get<config::cluster_config>(std::move(loaded));
    t.config_path = config_path;
    t.options = client::options_from(*t.cluster);
    t.transport = client::transport_from(t.cluster->timing);
  }
  t.options.timeout_ms = timeout_ms;
  t.options.request_timeout_ms = std::min<uint32_t>(timeout_ms, 1000);
  t.transport.threads = 2; // one operation at a time: two threads are plenty
  return t;
}

std::variant<size_t, std::string> find_node(const target& t, const std::string& node) {
  std::string known;
  const auto& eps = t.options.endpoints;
  for (size_t i = 0; i < eps.size(); ++i) {
    if ((!eps[i].node_id.empty() && eps[i].node_id == node) || eps[i].address() == node)
      return i;
    known += (known.empty() ? "" : ", ") + eps[i].name();
  }
  return "unknown node '" + node + "' (known: " + known + ")";
}

std::optional<std::string> check_input(const target& t, const std::string& key,
                                       const std::string* value) {
  if (key.empty())
    return std::string{"KEY must not be empty"};
  if (!t.cluster)
    return std::nullopt; // the node checks its limits itself
  const auto& lim = t.cluster->limits;
  if (key.size() > lim.max_key_bytes)
    return "KEY is " + std::to_string(key.size()) + " bytes; limits.max_key_bytes is "
           + std::to_string(lim.max_key_bytes);
  if (value != nullptr && value->size() > lim.max_value_bytes)
    return "VALUE is " + std::to_string(value->size()) + " bytes; limits.max_value_bytes is "
           + std::to_string(lim.max_value_bytes);
  return std::nullopt;
}

} // namespace keel::keelctl
