#include "apps/common/cluster_config_nodes.hpp"

#include <algorithm>
#include <map>

#include "apps/common/cluster_config_toml.hpp"

namespace keel::config::parsing {
namespace {

constexpr std::string_view node_keys[]
  = {"id", "host", "port", "peer_port", "http_port", "cert", "key"};
constexpr size_t max_node_id_chars = 32;

bool valid_node_id(std::string_view id) {
  return !id.empty() && id.size() <= max_node_id_chars
         && std::all_of(id.begin(), id.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                     || c == '_' || c == '-';
            });
}

// Distance of the default peer port from the client port.
constexpr int64_t default_peer_port_offset = 1000;

// Who listens on a host:port: a node's client port or its peer port.
struct port_owner {
  size_t node = 0;          // index into cfg.nodes
  std::string_view setting; // "port", "peer_port" or "http_port"
  bool defaulted = false;   // peer_port taken from port + 1000
};

} // namespace

checked read_nodes(const toml::table& root, const std::string& base_dir, cluster_config& cfg) {
  auto* array = root.get_as<toml::array>("node");
  if (!array || array->empty())
    return config_error{cfg.source, array ? line_of(*array) : 0, "node",
                        "no nodes: add one [[node]] table (id, host, port) per node"};
  std::map<std::string, size_t> ids;           // id -> index into cfg.nodes
  std::map<std::string, port_owner> endpoints; // "host:port" -> who listens there
  for (size_t i = 0; i < array->size(); ++i) {
    section s{array->get(i)->as_table(), concat("node[", i + 1, "]"), cfg.source};
    if (auto r = s.reject_unknown_keys(node_keys); !r)
      return r;
    node_config node;
    auto id = s.required("id", s.string("id"));
    if (!id)
      return id.error();
    node.id = *std::move(id);
    if (!valid_node_id(node.id))
      return s.error("id", concat("must be 1 to ", max_node_id_chars,
                                  " characters from A-Z a-z 0-9 _ - (got '", node.id, "')"));
    auto host = s.required("host", s.string("host"));
    if (!host)
      return host.error();
    node.host = *std::move(host);
    if (!valid_host(node.host))
      return s.error("host", "must be a host name or IP address (got '" + node.host + "')");
    auto port = s.required("port", s.integer("port", 1, 65535));
    if (!port)
      return port.error();
    node.port = static_cast<uint16_t>(*port);
    auto peer_port = s.integer("peer_port", 1, 65535);
    if (!peer_port)
      return peer_port.error();
    if (!*peer_port && node.port + default_peer_port_offset > 65535)
      return config_error{cfg.source, s.line("port"), s.setting("peer_port"),
                          concat("defaults to port + 1000 = ", node.port + default_peer_port_offset,
                                 ", above 65535: set peer_port explicitly")};
    node.peer_port
      = static_cast<uint16_t>(peer_port->value_or(node.port + default_peer_port_offset));
    // Clients and peers are told apart by the port they dial; one listener
    // cannot be both the client service and the peer gate.
    if (node.peer_port == node.port)
      return s.error("peer_port", concat("must differ from port (both are ", node.port, ")"));
    if (auto [it, added] = ids.emplace(node.id, i); !added)
      return s.error("id",
                     concat("duplicate node id '", node.id, "' (also node[", it->second + 1, "])"));
    auto claim = [&](std::string_view setting, uint16_t port, bool defaulted) -> checked {
      auto endpoint = concat(node.host, ":", port);
      auto [it, added] = endpoints.emplace(endpoint, port_owner{i, setting, defaulted});
      if (added)
        return {};
      const auto& other = it->second;
      auto message = concat("duplicate address ", endpoint, " (also node[", other.node + 1, "].",
                            other.setting, other.defaulted ? ", port + 1000 by default" : "",
                            ", id '", other.node == i ? node.id : cfg.nodes[other.node].id, "')");
      if (defaulted)
        message += "; peer_port defaults to port + 1000: set it explicitly";
      return config_error{cfg.source, s.line(defaulted ? "port" : setting), s.setting(setting),
                          message};
    };
    if (auto r = claim("port", node.port, false); !r)
      return r;
    if (auto r = claim("peer_port", node.peer_port, !*peer_port); !r)
      return r;
    auto http_port = s.integer("http_port", 1, 65535);
    if (!http_port)
      return http_port.error();
    if (*http_port) {
      node.http_port = static_cast<uint16_t>(**http_port);
      if (auto r = claim("http_port", node.http_port, false); !r)
        return r;
    }
    if (auto r = assign(s.path("cert", base_dir), node.cert_file); !r)
      return r;
    if (auto r = assign(s.path("key", base_dir), node.key_file); !r)
      return r;
    cfg.nodes.push_back(std::move(node));
  }
  return {};
}

} // namespace keel::config::parsing
