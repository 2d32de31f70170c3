#include "apps/common/cluster_config_schema.hpp"

#include <algorithm>
#include <filesystem>
#include <span>

#include "apps/common/cluster_config_nodes.hpp"
#include "apps/common/cluster_config_hint.hpp"
#include "apps/common/cluster_config_toml.hpp"

namespace keel::config::parsing {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view section_names[] = {"cluster", "timing", "raft", "limits", "log",
                                              "tls",     "node"};
constexpr std::string_view cluster_keys[] = {"data_dir",        "shards",
                                             "replication_factor", "fault_injection",
                                             "insecure_plaintext", "secret_file"};
constexpr std::string_view timing_keys[] = {"tick_ms",
                                            "heartbeat_ticks",
                                            "election_ticks",
                                            "transport_heartbeat_ms",
                                            "connection_timeout_ms",
                                            "failure_detector_phi"};
constexpr std::string_view raft_keys[] = {"snapshot_entries"};
constexpr std::string_view limits_keys[] = {"max_key_bytes", "max_value_bytes"};
constexpr std::string_view log_keys[] = {"level", "stderr"};
constexpr std::string_view tls_keys[] = {"ca_file", "client_cert", "client_key"};
constexpr std::string_view log_levels[] = {"trace", "debug", "info",    "warn",
                                           "error", "critical", "off"};

// A value travels whole in one Raft entry, one CAF message and one RocksDB
// write, so it must stay far below what any of them can hold.
constexpr int64_t max_value_bytes_ceiling = int64_t{64} << 20; // 64 MiB
constexpr int64_t max_key_bytes_ceiling = int64_t{64} << 10;   // 64 KiB

/// The top level holds sections only; a section must be a table, and node an
/// array of tables.
void check_top_level(const toml::table& root, const std::string& source) {
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
                       "[raft], [limits], [log], [tls] or [[node]]";
    throw config_error{source, static_cast<uint32_t>(first->source().begin.line),
                       std::string{first->str()}, message};
  }
  for (auto name : section_names) {
    auto* n = root.get(name);
    if (!n)
      continue;
    if (name == "node" && !n->is_array_of_tables())
      throw config_error{source, line_of(*n), "node",
                         concat("must be an array of tables: write one [[node]] table per node "
                                "(got ",
                                type_name(*n), ")")};
    if (name != "node" && !n->is_table())
      throw config_error{source, line_of(*n), std::string{name},
                         concat("must be a section [", name, "] (got ", type_name(*n), ")")};
  }
}

section open_section(const toml::table& root, std::string_view name,
                     std::span<const std::string_view> keys, const std::string& source) {
  auto* n = root.get(name);
  section s{n ? n->as_table() : nullptr, std::string{name}, source};
  s.reject_unknown_keys(keys);
  return s;
}

void read_cluster(const toml::table& root, const std::string& base_dir, cluster_config& cfg) {
  auto s = open_section(root, "cluster", cluster_keys, cfg.source);
  cfg.data_dir = s.path("data_dir", base_dir).value_or(absolute_path(base_dir, "data"));
  cfg.shards = s.u32("shards", 1, 1024).value_or(cfg.shards);
  // The upper bound (the number of nodes) is checked once the nodes are read.
  cfg.replication_factor = s.u32("replication_factor", 1, 1024).value_or(cfg.replication_factor);
  cfg.fault_injection = s.boolean("fault_injection").value_or(cfg.fault_injection);
  auto& sec = cfg.security;
  sec.insecure_plaintext = s.boolean("insecure_plaintext").value_or(sec.insecure_plaintext);
  sec.secret_file = s.path("secret_file", base_dir)
                      .value_or((fs::path{cfg.data_dir} / "cluster.secret").string());
}

void read_tls(const toml::table& root, const std::string& base_dir, cluster_config& cfg) {
  auto s = open_section(root, "tls", tls_keys, cfg.source);
  auto& sec = cfg.security;
  sec.ca_file = s.path("ca_file", base_dir).value_or("");
  sec.client_cert_file = s.path("client_cert", base_dir).value_or("");
  sec.client_key_file = s.path("client_key", base_dir).value_or("");
}

void read_timing(const toml::table& root, cluster_config& cfg) {
  auto s = open_section(root, "timing", timing_keys, cfg.source);
  auto& t = cfg.timing;
  t.tick_ms = s.u32("tick_ms", 1, 1000).value_or(t.tick_ms);
  t.heartbeat_ticks = s.u32("heartbeat_ticks", 1, 1000).value_or(t.heartbeat_ticks);
  t.election_ticks = s.u32("election_ticks", 2, 10000).value_or(t.election_ticks);
  t.transport_heartbeat_ms
    = s.u32("transport_heartbeat_ms", 10, 60000).value_or(t.transport_heartbeat_ms);
  t.connection_timeout_ms
    = s.u32("connection_timeout_ms", 20, 600000).value_or(t.connection_timeout_ms);
  t.failure_detector_phi
    = s.number("failure_detector_phi", 1.0, 32.0).value_or(t.failure_detector_phi);
  // Raft §5.2/§9.3: followers must hear several heartbeats within one election
  // timeout, or a healthy leader is deposed by ordinary jitter.
  if (t.election_ticks < 2 * t.heartbeat_ticks) {
    auto key = s.has("election_ticks") ? "election_ticks" : "heartbeat_ticks";
    throw config_error{cfg.source, s.line(key), s.setting("election_ticks"),
                       concat("must be at least 2 * heartbeat_ticks = ", 2 * t.heartbeat_ticks,
                              " (got ", t.election_ticks, ")")};
  }
  // A peer connection must survive at least one lost transport heartbeat.
  if (t.connection_timeout_ms < 2 * t.transport_heartbeat_ms) {
    auto key = s.has("connection_timeout_ms") ? "connection_timeout_ms" : "transport_heartbeat_ms";
    throw config_error{cfg.source, s.line(key), s.setting("connection_timeout_ms"),
                       concat("must be at least 2 * transport_heartbeat_ms = ",
                              2 * t.transport_heartbeat_ms, " (got ", t.connection_timeout_ms,
                              ")")};
  }
}

void read_raft(const toml::table& root, cluster_config& cfg) {
  auto s = open_section(root, "raft", raft_keys, cfg.source);
  cfg.raft.snapshot_entries
    = s.u32("snapshot_entries", 10, 10'000'000).value_or(cfg.raft.snapshot_entries);
}

void read_limits(const toml::table& root, cluster_config& cfg) {
  auto s = open_section(root, "limits", limits_keys, cfg.source);
  auto& l = cfg.limits;
  l.max_key_bytes = s.u32("max_key_bytes", 1, max_key_bytes_ceiling).value_or(l.max_key_bytes);
  l.max_value_bytes
    = s.u32("max_value_bytes", 1, max_value_bytes_ceiling).value_or(l.max_value_bytes);
}

void read_log(const toml::table& root, cluster_config& cfg) {
  auto s = open_section(root, "log", log_keys, cfg.source);
  if (auto level = s.string("level")) {
    if (std::find(std::begin(log_levels), std::end(log_levels), *level) == std::end(log_levels))
      s.fail("level", "unknown level '" + *level + "'; use one of " + join(log_levels));
    cfg.log.level = *level;
  }
  cfg.log.to_stderr = s.boolean("stderr").value_or(cfg.log.to_stderr);
}

void check_replication(const toml::table& root, cluster_config& cfg) {
  // Even factors are allowed (4 replicas survive 1 failure, like 3, but a
  // 2+2 partition then stops the shard); cluster.conf says odd is better.
  if (cfg.replication_factor > cfg.nodes.size()) {
    section s{root.get_as<toml::table>("cluster"), "cluster", cfg.source};
    auto given = s.has("replication_factor") ? "" : ", the default";
    s.fail("replication_factor",
           concat("must be at most the number of nodes, ", cfg.nodes.size(), " (got ",
                  cfg.replication_factor, given, ")"));
  }
}

} // namespace

void read_settings(const toml::table& root, const std::string& base_dir, cluster_config& cfg) {
  check_top_level(root, cfg.source);
  read_cluster(root, base_dir, cfg);
  read_tls(root, base_dir, cfg);
  read_timing(root, cfg);
  read_raft(root, cfg);
  read_limits(root, cfg);
  read_log(root, cfg);
  read_nodes(root, base_dir, cfg);
  check_replication(root, cfg);
}

} // namespace keel::config::parsing
