// cluster_config: the one parsed, validated form of cluster.conf.
//
// cluster.conf is TOML (parsed with toml++, which reports line and column of
// every value, so every error names its line and setting). It is parsed here and
// nowhere else; everything downstream receives a cluster_config that has passed
// validate() in full, the way OTP checks child specs before starting anything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace keel::config {

/// One keel-node process.
struct node_config {
  std::string id;    // unique, [A-Za-z0-9_-]{1,32}, e.g. "n1"
  std::string host;  // address to bind and to dial, e.g. "127.0.0.1"
  uint16_t port = 0; // the node's client port: the client service is published here
  uint16_t peer_port = 0; // the node's peer port: only the peer gate is published here
                          // (Raft traffic after a peer handshake); default port + 1000
  std::string cert_file;  // [tls]: this node's certificate (PEM chain, CN = id,
                          // OU = keel-node); absolute; empty without TLS
  std::string key_file;   // [tls]: its private key (PEM); absolute; empty without TLS
};

/// Transport security ([tls] and [cluster] insecure_plaintext / secret_file).
/// With TLS, every connection is mutual TLS against ca_file, and a peer proves
/// its node id with the key of its certificate in the peer handshake. Without
/// TLS, peers prove that they know the cluster secret (secret_file).
struct security_config {
  std::string ca_file;          // [tls] ca_file: absolute; empty = TLS off
  std::string client_cert_file; // [tls] client_cert: what keelctl and keel-bench
  std::string client_key_file;  // [tls] client_key:  present (optional; flags override)
  bool insecure_plaintext = false; // [cluster] insecure_plaintext: allow a plaintext
                                   // cluster on addresses outside 127.0.0.0/8
  std::string secret_file;      // [cluster] secret_file: absolute; default
                                // <data_dir>/cluster.secret (created by the first node)

  bool tls() const { return !ca_file.empty(); }
};

/// Raft and failure-detection timing. All Raft timing is expressed in ticks of
/// tick_ms so that the Raft core never reads a clock.
struct timing_config {
  uint32_t tick_ms = 10;                 // one Raft tick
  uint32_t heartbeat_ticks = 5;          // leader heartbeat every 5 ticks (50 ms)
  uint32_t election_ticks = 30;          // election timeout: randomized in [30, 60) ticks
  uint32_t transport_heartbeat_ms = 100; // CAF middleman heartbeat between nodes
  uint32_t connection_timeout_ms = 500;  // drop a silent peer connection after this
  double failure_detector_phi = 8.0;     // phi-accrual threshold for "suspect"
};

/// Raft log management.
struct raft_config {
  /// A replica snapshots its shard and compacts its log once this many
  /// entries were applied since the last compaction (Raft §7).
  uint32_t snapshot_entries = 10000;
};

/// Input limits, checked before anything is proposed or written.
struct limits_config {
  uint32_t max_key_bytes = 1024;
  uint32_t max_value_bytes = 1 << 20;
};

/// Logging (spdlog).
struct log_config {
  std::string level = "info"; // trace, debug, info, warn, error, critical, off
  bool to_stderr = true;      // besides the file <data_dir>/<node>/keel-node.log
};

/// The whole validated cluster.conf.
struct cluster_config {
  std::string source;          // the path it was read from (for messages)
  std::string data_dir;        // absolute (a relative setting, default "data", is
                               // resolved against the file's directory); node n
                               // keeps its state in data_dir/<n>
  uint32_t shards = 4;
  uint32_t replication_factor = 3;  // invariant: 1 <= replication_factor <= nodes.size()
  bool fault_injection = false;
  timing_config timing;
  raft_config raft;
  limits_config limits;
  log_config log;
  security_config security;
  std::vector<node_config> nodes;   // in file order; invariant: unique ids and host:port

  /// The node with this id, or nullptr.
  const node_config* find_node(std::string_view id) const;

  /// data_dir/<node id>
  std::string node_dir(std::string_view node_id) const;

  /// data_dir/<node id>/keel-node.pid: written by the node at start, read by
  /// `keelctl cluster` to find, signal and stop the process.
  std::string pid_file_path(std::string_view node_id) const;

  /// data_dir/<node id>/keel-node.log: the node's spdlog file.
  std::string log_file_path(std::string_view node_id) const;

  /// The nodes that hold a replica of `shard`, in preference order: the first
  /// is the preferred leader. Deterministic: replicas of shard s sit on nodes
  /// (s + i) mod N for i in [0, replication_factor), so shard leadership is
  /// spread round-robin over the nodes.
  // REQUIRES: shard < shards and the invariants above (a validated config).
  std::vector<std::string> replicas_of(uint32_t shard) const;

  /// The shards that have a replica on `node_id`, ascending.
  std::vector<uint32_t> shards_on(std::string_view node_id) const;
};

/// A configuration error: where it is and what is wrong.
struct config_error {
  std::string source;  // file name
  uint32_t line = 0;   // 1-based; 0 when the error is not tied to a line
  std::string setting; // e.g. "timing.election_ticks" or "node[2].port" (the
                       // second [[node]] table: 1-based, like the line);
                       // empty for TOML syntax errors
  std::string message; // what is wrong and what is expected

  /// "cluster.conf:12: timing.election_ticks: must be at least 2 * heartbeat_ticks (got 4)";
  /// the line and the setting are left out when they are 0 or empty.
  std::string to_string() const;
};

using parse_result = std::variant<cluster_config, config_error>;

/// Parses and validates TOML text. `source` names it in errors;
/// `base_dir` resolves a relative data_dir (normally the file's directory).
parse_result parse_cluster_config(std::string_view text, std::string source,
                                  std::string base_dir);

/// Reads and parses a file; a missing or unreadable file is a config_error.
parse_result load_cluster_config(const std::string& path);

/// Which shard a key belongs to: a stable hash (FNV-1a 64) modulo shards.
uint32_t shard_of(std::string_view key, uint32_t shards);

} // namespace keel::config
