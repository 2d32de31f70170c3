// cluster_config: parses and validates cluster.conf (TOML, read by toml++).
//
// One pass over a fixed schema. Each section first rejects the keys it does not
// know (a typo must never fall back silently to a default, the trap of CAF's ini
// reader), then reads its settings with type and range checks; the rules that
// relate several settings run last. The first problem ends the parse.

#include "apps/common/cluster_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <span>
#include <sstream>

#include <sys/socket.h>
#include <arpa/inet.h>

namespace keel::config {
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
constexpr std::string_view node_keys[] = {"id", "host", "port", "peer_port", "cert", "key"};
constexpr std::string_view log_levels[] = {"trace", "debug", "info",    "warn",
                                           "error", "critical", "off"};

// A value travels whole in one Raft entry, one CAF message and one RocksDB
// write, so it must stay far below what any of them can hold.
constexpr int64_t max_value_bytes_ceiling = int64_t{64} << 20; // 64 MiB
constexpr int64_t max_key_bytes_ceiling = int64_t{64} << 10;   // 64 KiB
constexpr size_t max_node_id_chars = 32;

uint32_t line_of(const toml::node& n) {
  return static_cast<uint32_t>(n.source().begin.line);
}

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time: return "a date/time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string join(std::span<const std::string_view> words) {
  std::string out;
  for (auto w : words) {
    if (!out.empty())
      out += ", ";
    out += w;
  }
  return out;
}

/// Levenshtein distance, for "did you mean" hints on misspelt keys.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// "did you mean 'x'?" when one known word is close, else the list of them all.
std::string hint(std::string_view word, std::span<const std::string_view> known,
                 std::string_view what) {
  for (auto k : known)
    if (edit_distance(word, k) <= 2 || k.starts_with(word) || word.starts_with(k))
      return "did you mean '" + std::string{k} + "'?";
  return "known " + std::string{what} + ": " + join(known);
}

template <class... Ts>
std::string concat(const Ts&... xs) {
  std::ostringstream out;
  (out << ... << xs);
  return out.str();
}

/// `text` as an absolute, normalized path; a relative one is taken relative to
/// `base_dir`, so that a cluster.conf works from any working directory.
std::string absolute_path(const std::string& base_dir, const std::string& text) {
  fs::path p{text};
  if (p.is_relative())
    p = fs::absolute(fs::path{base_dir} / p);
  p = p.lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path())
    p = p.parent_path(); // "data/" -> "data"
  return p.string();
}

/// One table of cluster.conf and the name errors give it ("timing", "node[2]").
/// Reading a setting checks its type and range and throws config_error (caught
/// in parse_cluster_config, never leaves this file) on the first problem.
class section {
public:
  section(const toml::table* table, std::string name, const std::string& source)
    : table_(table), name_(std::move(name)), source_(source) {
  }

  /// Line of the table itself ([timing] or [[node]]); 0 when it is absent.
  uint32_t line() const {
    return table_ ? line_of(*table_) : 0;
  }

  /// Line of the setting's value; 0 when it is absent.
  uint32_t line(std::string_view key) const {
    auto* n = find(key);
    return n ? line_of(*n) : 0;
  }

  bool has(std::string_view key) const {
    return find(key) != nullptr;
  }

  std::string setting(std::string_view key) const {
    return name_ + "." + std::string{key};
  }

  [[noreturn]] void fail(std::string_view key, std::string message) const {
    auto at = line(key);
    throw config_error{source_, at ? at : line(), setting(key), std::move(message)};
  }

  /// Unknown keys are errors, reported in file order.
  void reject_unknown_keys(std::span<const std::string_view> known) const {
    if (!table_)
      return;
    const toml::key* first = nullptr;
    for (auto&& [key, value] : *table_) {
      bool is_known = std::find(known.begin(), known.end(), key.str()) != known.end();
      if (!is_known && (!first || key.source().begin.line < first->source().begin.line))
        first = &key;
    }
    if (first)
      throw config_error{source_, static_cast<uint32_t>(first->source().begin.line),
                         setting(first->str()),
                         "unknown setting; " + hint(first->str(), known, "settings")};
  }

  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max) const {
    auto* n = find(key);
    if (!n)
      return std::nullopt;
    auto* v = n->as_integer();
    if (!v)
      fail(key, concat("must be an integer (got ", type_name(*n), ")"));
    auto x = v->get();
    if (x < min || x > max)
      fail(key, concat("must be between ", min, " and ", max, " (got ", x, ")"));
    return x;
  }

  std::optional<uint32_t> u32(std::string_view key, uint32_t min, uint32_t max) const {
    auto x = integer(key, min, max);
    return x ? std::optional{static_cast<uint32_t>(*x)} : std::nullopt;
  }

  /// A float setting also accepts an integer ("phi = 8").
  std::optional<double> number(std::string_view key, double min, double max) const {
    auto* n = find(key);
    if (!n)
      return std::nullopt;
    double x;
    if (auto* f = n->as_floating_point())
      x = f->get();
    else if (auto* i = n->as_integer())
      x = static_cast<double>(i->get());
    else
      fail(key, concat("must be a number (got ", type_name(*n), ")"));
    if (!(x >= min && x <= max)) // also rejects nan
      fail(key, concat("must be between ", min, " and ", max, " (got ", x, ")"));
    return x;
  }

  std::optional<bool> boolean(std::string_view key) const {
    auto* n = find(key);
    if (!n)
      return std::nullopt;
    auto* v = n->as_boolean();
    if (!v)
      fail(key, concat("must be true or false (got ", type_name(*n), ")"));
    return v->get();
  }

  std::optional<std::string> string(std::string_view key) const {
    auto* n = find(key);
    if (!n)
      return std::nullopt;
    auto* v = n->as_string();
    if (!v)
      fail(key, concat("must be a string (got ", type_name(*n), ")"));
    return v->get();
  }

  /// A path setting, made absolute against `base_dir` (the file's directory).
  std::optional<std::string> path(std::string_view key, const std::string& base_dir) const {
    auto text = string(key);
    if (!text)
      return std::nullopt;
    if (text->empty())
      fail(key, "must not be empty");
    return absolute_path(base_dir, *text);
  }

  /// Fails unless the file at `path` (the value of `key`) can be opened for reading.
  void require_readable(std::string_view key, const std::string& path) const {
    std::error_code ec;
    if (fs::is_directory(path, ec))
      fail(key, "'" + path + "' is a directory, not a file");
    std::ifstream in{path, std::ios::binary};
    if (!in)
      fail(key, concat("cannot read '", path, "': ", std::strerror(errno)));
  }

  /// Fails with "is required" at the table's line when the setting is absent.
  template <class T>
  T required(std::string_view key, std::optional<T> value) const {
    if (!value)
      fail(key, "is required");
    return std::move(*value);
  }

private:
  const toml::node* find(std::string_view key) const {
    return table_ ? table_->get(key) : nullptr;
  }

  const toml::table* table_; // null when the section is absent: all defaults
  std::string name_;
  const std::string& source_;
};

bool valid_node_id(std::string_view id) {
  return !id.empty() && id.size() <= max_node_id_chars
         && std::all_of(id.begin(), id.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                     || c == '_' || c == '-';
            });
}

// Names and IPv4/IPv6 literals; no spaces, schemes or ports.
bool valid_host(std::string_view host) {
  return !host.empty() && host.size() <= 253
         && std::all_of(host.begin(), host.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                     || c == '.' || c == '-' || c == ':' || c == '_';
            });
}

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

// Distance of the default peer port from the client port.
constexpr int64_t default_peer_port_offset = 1000;

// Who listens on a host:port: a node's client port or its peer port.
struct port_owner {
  size_t node = 0;             // index into cfg.nodes
  std::string_view setting;    // "port" or "peer_port"
  bool defaulted = false;      // peer_port taken from port + 1000
};

void read_nodes(const toml::table& root, const std::string& base_dir, cluster_config& cfg) {
  auto* array = root.get_as<toml::array>("node");
  if (!array || array->empty())
    throw config_error{cfg.source, array ? line_of(*array) : 0, "node",
                       "no nodes: add one [[node]] table (id, host, port) per node"};
  std::map<std::string, size_t> ids;           // id -> index into cfg.nodes
  std::map<std::string, port_owner> endpoints; // "host:port" -> who listens there
  for (size_t i = 0; i < array->size(); ++i) {
    section s{array->get(i)->as_table(), concat("node[", i + 1, "]"), cfg.source};
    s.reject_unknown_keys(node_keys);
    node_config node;
    node.id = s.required("id", s.string("id"));
    if (!valid_node_id(node.id))
      s.fail("id", concat("must be 1 to ", max_node_id_chars,
                          " characters from A-Z a-z 0-9 _ - (got '", node.id, "')"));
    node.host = s.required("host", s.string("host"));
    if (!valid_host(node.host))
      s.fail("host", "must be a host name or IP address (got '" + node.host + "')");
    node.port = static_cast<uint16_t>(s.required("port", s.integer("port", 1, 65535)));
    auto peer_port = s.integer("peer_port", 1, 65535);
    if (!peer_port && node.port + default_peer_port_offset > 65535)
      throw config_error{cfg.source, s.line("port"), s.setting("peer_port"),
                         concat("defaults to port + 1000 = ", node.port + default_peer_port_offset,
                                ", above 65535: set peer_port explicitly")};
    node.peer_port = static_cast<uint16_t>(peer_port.value_or(node.port + default_peer_port_offset));
    // Clients and peers are told apart by the port they dial; one listener
    // cannot be both the client service and the peer gate.
    if (node.peer_port == node.port)
      s.fail("peer_port", concat("must differ from port (both are ", node.port, ")"));
    if (auto [it, added] = ids.emplace(node.id, i); !added)
      s.fail("id", concat("duplicate node id '", node.id, "' (also node[", it->second + 1, "])"));
    auto claim = [&](std::string_view setting, uint16_t port, bool defaulted) {
      auto endpoint = concat(node.host, ":", port);
      auto [it, added] = endpoints.emplace(endpoint, port_owner{i, setting, defaulted});
      if (added)
        return;
      const auto& other = it->second;
      auto message = concat("duplicate address ", endpoint, " (also node[", other.node + 1, "].",
                            other.setting, other.defaulted ? ", port + 1000 by default" : "",
                            ", id '", cfg.nodes[other.node].id, "')");
      if (defaulted)
        message += "; peer_port defaults to port + 1000: set it explicitly";
      throw config_error{cfg.source, s.line(defaulted ? "port" : setting), s.setting(setting),
                         message};
    };
    claim("port", node.port, false);
    claim("peer_port", node.peer_port, !peer_port);
    node.cert_file = s.path("cert", base_dir).value_or("");
    node.key_file = s.path("key", base_dir).value_or("");
    cfg.nodes.push_back(std::move(node));
  }
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

/// 127.0.0.0/8, ::1 or "localhost": traffic that never leaves the machine.
bool is_loopback(std::string_view host) {
  std::string h{host};
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
  if (h == "localhost")
    return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, h.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, h.c_str(), &v6) == 1
         && std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
}

/// The rules that tie [tls], [cluster] insecure_plaintext and the nodes'
/// cert, key and host together. Runs after everything has been read.
void check_security(const toml::table& root, const cluster_config& cfg) {
  const auto& sec = cfg.security;
  section tls{root.get_as<toml::table>("tls"), "tls", cfg.source};
  auto* array = root.get_as<toml::array>("node");
  auto node_section = [&](size_t i) {
    return section{array->get(i)->as_table(), concat("node[", i + 1, "]"), cfg.source};
  };
  if (sec.client_cert_file.empty() != sec.client_key_file.empty()) {
    bool has_cert = !sec.client_cert_file.empty();
    tls.fail(has_cert ? "client_cert" : "client_key",
             has_cert ? "needs tls.client_key too: a certificate is of no use without its key"
                      : "needs tls.client_cert too: a key is of no use without its certificate");
  }
  if (!sec.tls()) {
    for (auto key : {"client_cert", "client_key"})
      if (tls.has(key))
        tls.fail(key, "needs tls.ca_file: without it TLS is off and no certificate is used");
    for (size_t i = 0; i < cfg.nodes.size(); ++i) {
      auto s = node_section(i);
      for (auto key : {"cert", "key"})
        if (s.has(key))
          s.fail(key, "needs [tls] ca_file: node certificates are used only with TLS (set "
                      "ca_file in [tls], or remove cert and key)");
    }
    if (sec.insecure_plaintext)
      return;
    for (size_t i = 0; i < cfg.nodes.size(); ++i) {
      if (is_loopback(cfg.nodes[i].host))
        continue;
      node_section(i).fail(
        "host", "'" + cfg.nodes[i].host
                  + "' is not a loopback address and TLS is off, so keys, values and Raft "
                    "traffic would cross the network in plaintext: enable TLS ([tls] ca_file, "
                    "and cert and key for every node; scripts/gen-certs.sh makes them), or set "
                    "insecure_plaintext = true in [cluster] to accept plaintext");
    }
    return;
  }
  tls.require_readable("ca_file", sec.ca_file);
  if (!sec.client_cert_file.empty()) {
    tls.require_readable("client_cert", sec.client_cert_file);
    tls.require_readable("client_key", sec.client_key_file);
  }
  for (size_t i = 0; i < cfg.nodes.size(); ++i) {
    auto s = node_section(i);
    const auto& node = cfg.nodes[i];
    for (auto [key, file] : {std::pair{"cert", &node.cert_file}, std::pair{"key", &node.key_file}}) {
      if (file->empty())
        s.fail(key, concat("is required with [tls] ca_file: every node presents its own "
                           "certificate (CN = ", node.id, ", OU = keel-node) and key; "
                           "scripts/gen-certs.sh makes them"));
      s.require_readable(key, *file);
    }
  }
}

} // namespace

std::string config_error::to_string() const {
  auto out = source;
  if (line > 0)
    out.append(":").append(std::to_string(line));
  out.append(": ");
  if (!setting.empty())
    out.append(setting).append(": ");
  return out.append(message);
}

parse_result parse_cluster_config(std::string_view text, std::string source,
                                  std::string base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view{source});
  } catch (const toml::parse_error& e) {
    return config_error{source, static_cast<uint32_t>(e.source().begin.line), "",
                        concat("TOML syntax error at column ", e.source().begin.column, ": ",
                               e.description())};
  }
  cluster_config cfg;
  cfg.source = std::move(source);
  try {
    check_top_level(root, cfg.source);
    read_cluster(root, base_dir, cfg);
    read_tls(root, base_dir, cfg);
    read_timing(root, cfg);
    read_raft(root, cfg);
    read_limits(root, cfg);
    read_log(root, cfg);
    read_nodes(root, base_dir, cfg);
    check_replication(root, cfg);
    check_security(root, cfg);
  } catch (config_error& e) {
    return std::move(e);
  }
  return cfg;
}

parse_result load_cluster_config(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return config_error{path, 0, "", "is a directory, not a cluster.conf file"};
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return config_error{path, 0, "",
                        concat("cannot open: ", std::strerror(errno),
                               " (pass --config FILE to name another file)")};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return config_error{path, 0, "", concat("cannot read: ", std::strerror(errno))};
  auto base_dir = fs::absolute(fs::path{path}, ec).parent_path().string();
  return parse_cluster_config(text.str(), path, base_dir);
}

} // namespace keel::config
