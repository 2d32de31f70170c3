#include "apps/common/cluster_config_schema.hpp"

#include <algorithm>
#include <filesystem>
#include <span>

#include "apps/common/cluster_config_hint.hpp"
#include "apps/common/cluster_config_nodes.hpp"
#include "apps/common/cluster_config_toml.hpp"

namespace keel::config::parsing {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view section_names[]
  = {"cluster", "timing", "raft", "limits", "log", "tls", "metrics", "node"};
constexpr std::string_view cluster_keys[] = {
  "data_dir",           "shards",      "replication_factor", "leader_placement", "fault_injection",
  "insecure_plaintext", "secret_file", "actor_threads",      "log_sync_thread"};
constexpr std::string_view timing_keys[] = {"tick_ms",
                                            "heartbeat_ticks",
                                            "election_ticks",
                                            "transport_heartbeat_ms",
                                            "connection_timeout_ms",
                                            "failure_detector_phi"};
constexpr std::string_view raft_keys[] = {"snapshot_entries", "max_entries_in_flight"};
constexpr std::string_view limits_keys[] = {"max_key_bytes", "max_value_bytes"};
constexpr std::string_view log_keys[] = {"level", "stderr"};
constexpr std::string_view tls_keys[] = {"ca_file", "client_cert", "client_key"};
constexpr std::string_view metrics_keys[] = {"bind"};
constexpr std::string_view leader_placements[] = {"packed", "spread"};
constexpr std::string_view log_levels[]
  = {"trace", "debug", "info", "warn", "error", "critical", "off"};

// A value travels whole in one Raft entry, one CAF message and one RocksDB
// write, so it must stay far below what any of them can hold.
constexpr int64_t max_value_bytes_ceiling = int64_t{64} << 20; // 64 MiB
constexpr int64_t max_key_bytes_ceiling = int64_t{64} << 10;   // 64 KiB

/// The top level holds sections only; a section must be a table, and node an
/// array of tables.
checked check_top_level(const toml::table& root, const std::string& source) {
  const toml::key* first = nullptr;
  for (auto&& [key, value] : root) {
    bool known = std::find(std::begin(section_names), std::end(section_names), key.str())
                 != std::end(section_names);
    if (!known && (!first || key.source().begin.line < first->source().begin.line))
      first = &key;
  }
  if (first) {
    auto& value = *root.get(first->str());
    auto message = value.is_table()
                     ? "unknown section [" + std::string{first->str()} + "]; "
                         + hint(first->str(), section_names, "sections")
                     : "setting outside any section; settings belong in [cluster], [timing], "
                       "[raft], [limits], [log], [tls], [metrics] or [[node]]";
    return config_error{source, static_cast<uint32_t>(first->source().begin.line),
                        std::string{first->str()}, message};
  }
  for (auto name : section_names) {
    auto* n = root.get(name);
    if (!n)
      continue;
    if (name == "node" && !n->is_array_of_tables())
      return config_error{source, line_of(*n), "node",
                          concat("must be an array of tables: write one [[node]] table per "
                                 "node (got ",
                                 type_name(*n), ")")};
    if (name != "node" && !n->is_table())
      return config_error{source, line_of(*n), std::string{name},
                          concat("must be a section [", name, "] (got ", type_name(*n), ")")};
  }
  return {};
}

parsed<section> open_section(const toml::table& root, std::string_view name,
                             std::span<const std::string_view> keys, const std::string& source) {
  auto* n = root.get(name);
  section s{n ? n->as_table() : nullptr, std::string{name}, source};
  if (auto known = s.reject_unknown_keys(keys); !known)
    return known.error();
  return s;
}

checked read_leader_placement(const section& s, leader_placement& out) {
  auto name = s.string("leader_placement");
  if (!name)
    return name.error();
  if (!*name)
    return {};
  if (**name == "packed")
    out = leader_placement::packed;
  else if (**name == "spread")
    out = leader_placement::spread;
  else
    return s.error("leader_placement",
                   "unknown placement '" + **name + "'; use one of " + join(leader_placements));
  return {};
}

checked read_cluster(const toml::table& root, const std::string& base_dir, cluster_config& cfg) {
  auto opened = open_section(root, "cluster", cluster_keys, cfg.source);
  if (!opened)
    return opened.error();
  const auto& s = *opened;
  auto& sec = cfg.security;
  cfg.data_dir = absolute_path(base_dir, "data");
  if (auto r = assign(s.path("data_dir", base_dir), cfg.data_dir); !r)
    return r;
  if (auto r = assign(s.u32("shards", 1, 1024), cfg.shards); !r)
    return r;
  // The upper bound (the number of nodes) is checked once the nodes are read.
  if (auto r = assign(s.u32("replication_factor", 1, 1024), cfg.replication_factor); !r)
    return r;
  if (auto r = read_leader_placement(s, cfg.leaders); !r)
    return r;
  if (auto r = assign(s.boolean("fault_injection"), cfg.fault_injection); !r)
    return r;
  if (auto r = assign(s.u32("actor_threads", 1, 64), cfg.actor_threads); !r)
    return r;
  if (auto r = assign(s.boolean("log_sync_thread"), cfg.log_sync_thread); !r)
    return r;
  if (auto r = assign(s.boolean("insecure_plaintext"), sec.insecure_plaintext); !r)
    return r;
  sec.secret_file = (fs::path{cfg.data_dir} / "cluster.secret").string();
  return assign(s.path("secret_file", base_dir), sec.secret_file);
}

checked read_tls(const toml::table& root, const std::string& base_dir, cluster_config& cfg) {
  auto opened = open_section(root, "tls", tls_keys, cfg.source);
  if (!opened)
    return opened.error();
  const auto& s = *opened;
  auto& sec = cfg.security;
  if (auto r = assign(s.path("ca_file", base_dir), sec.ca_file); !r)
    return r;
  if (auto r = assign(s.path("client_cert", base_dir), sec.client_cert_file); !r)
    return r;
  return assign(s.path("client_key", base_dir), sec.client_key_file);
}

checked read_timing(const toml::table& root, cluster_config& cfg) {
  auto opened = open_section(root, "timing", timing_keys, cfg.source);
  if (!opened)
    return opened.error();
  const auto& s = *opened;
  auto& t = cfg.timing;
  for (auto r : {assign(s.u32("tick_ms", 1, 1000), t.tick_ms),
                 assign(s.u32("heartbeat_ticks", 1, 1000), t.heartbeat_ticks),
                 assign(s.u32("election_ticks", 2, 10000), t.election_ticks),
                 assign(s.u32("transport_heartbeat_ms", 10, 60000), t.transport_heartbeat_ms),
                 assign(s.u32("connection_timeout_ms", 20, 600000), t.connection_timeout_ms),
                 assign(s.number("failure_detector_phi", 1.0, 32.0), t.failure_detector_phi)})
    if (!r)
      return r;
  // Raft §5.2/§9.3: followers must hear several heartbeats within one election
  // timeout, or a healthy leader is deposed by ordinary jitter.
  if (t.election_ticks < 2 * t.heartbeat_ticks) {
    auto key = s.has("election_ticks") ? "election_ticks" : "heartbeat_ticks";
    return config_error{cfg.source, s.line(key), s.setting("election_ticks"),
                        concat("must be at least 2 * heartbeat_ticks = ", 2 * t.heartbeat_ticks,
                               " (got ", t.election_ticks, ")")};
  }
  // A peer connection must survive at least one lost transport heartbeat.
  if (t.connection_timeout_ms < 2 * t.transport_heartbeat_ms) {
    auto key = s.has("connection_timeout_ms") ? "connection_timeout_ms" : "transport_heartbeat_ms";
    return config_error{
      cfg.source, s.line(key), s.setting("connection_timeout_ms"),
      concat("must be at least 2 * transport_heartbeat_ms = ", 2 * t.transport_heartbeat_ms,
             " (got ", t.connection_timeout_ms, ")")};
  }
  return {};
}

checked read_raft(const toml::table& root, cluster_config& cfg) {
  auto opened = open_section(root, "raft", raft_keys, cfg.source);
  if (!opened)
    return opened.error();
  if (auto r = assign(opened->u32("snapshot_entries", 10, 10'000'000), cfg.raft.snapshot_entries);
      !r)
    return r;
  return assign(opened->u32("max_entries_in_flight", 1, 1024), cfg.raft.max_entries_in_flight);
}

checked read_limits(const toml::table& root, cluster_config& cfg) {
  auto opened = open_section(root, "limits", limits_keys, cfg.source);
  if (!opened)
    return opened.error();
  auto& l = cfg.limits;
  if (auto r = assign(opened->u32("max_key_bytes", 1, max_key_bytes_ceiling), l.max_key_bytes); !r)
    return r;
  return assign(opened->u32("max_value_bytes", 1, max_value_bytes_ceiling), l.max_value_bytes);
}

checked read_log(const toml::table& root, cluster_config& cfg) {
  auto opened = open_section(root, "log", log_keys, cfg.source);
  if (!opened)
    return opened.error();
  const auto& s = *opened;
  auto level = s.string("level");
  if (!level)
    return level.error();
  if (auto& name = *level) {
    if (std::find(std::begin(log_levels), std::end(log_levels), *name) == std::end(log_levels))
      return s.error("level", "unknown level '" + *name + "'; use one of " + join(log_levels));
    cfg.log.level = *name;
  }
  return assign(s.boolean("stderr"), cfg.log.to_stderr);
}

checked read_metrics(const toml::table& root, cluster_config& cfg) {
  auto opened = open_section(root, "metrics", metrics_keys, cfg.source);
  if (!opened)
    return opened.error();
  const auto& s = *opened;
  auto bind = s.string("bind");
  if (!bind)
    return bind.error();
  if (auto& address = *bind) {
    if (!valid_host(*address))
      return s.error("bind", "must be a host name or IP address (got '" + *address + "')");
    cfg.metrics.bind = *address;
  }
  return {};
}

checked check_replication(const toml::table& root, cluster_config& cfg) {
  // Even factors are allowed (4 replicas survive 1 failure, like 3, but a
  // 2+2 partition then stops the shard); cluster.conf says odd is better.
  if (cfg.replication_factor > cfg.nodes.size()) {
    section s{root.get_as<toml::table>("cluster"), "cluster", cfg.source};
    auto given = s.has("replication_factor") ? "" : ", the default";
    return s.error("replication_factor",
                   concat("must be at most the number of nodes, ", cfg.nodes.size(), " (got ",
                          cfg.replication_factor, given, ")"));
  }
  return {};
}

} // namespace

checked read_settings(const toml::table& root, const std::string& base_dir, cluster_config& cfg) {
  if (auto r = check_top_level(root, cfg.source); !r)
    return r;
  if (auto r = read_cluster(root, base_dir, cfg); !r)
    return r;
  if (auto r = read_tls(root, base_dir, cfg); !r)
    return r;
  if (auto r = read_timing(root, cfg); !r)
    return r;
  if (auto r = read_raft(root, cfg); !r)
    return r;
  if (auto r = read_limits(root, cfg); !r)
    return r;
  if (auto r = read_log(root, cfg); !r)
    return r;
  if (auto r = read_metrics(root, cfg); !r)
    return r;
  if (auto r = read_nodes(root, base_dir, cfg); !r)
    return r;
  return check_replication(root, cfg);
}

} // namespace keel::config::parsing
