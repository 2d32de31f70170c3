// cluster_config: the model of a cluster, as the actors and the client library
// see it once cluster.conf has been read.
//
// Plain structs and path arithmetic, no parsing: apps/common/cluster_config.hpp
// reads and validates the TOML and is the only producer of these values, so
// the invariants stated here hold for every cluster_config an actor receives.
// Keeping the model below the apps lets the shells and the client library
// depend on it without depending on the parser (docs/design.md, "Layers").
// Which shard a key and a replica live on is in placement.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/config/core/placement.hpp"

namespace keel::config {

/// One keel-node process.
struct node_config {
  std::string id;         // unique, [A-Za-z0-9_-]{1,32}, e.g. "n1"
  std::string host;       // address to bind and to dial, e.g. "127.0.0.1"
  uint16_t port = 0;      // the node's client port: the client service is published here
  uint16_t peer_port = 0; // the node's peer port: only the peer gate is published here
                          // (Raft traffic after a peer handshake); default port + 1000
  std::string cert_file;  // [tls]: this node's certificate (PEM chain, CN = id,
                          // OU = keel-node); absolute; empty without TLS
  std::string key_file;   // [tls]: its private key (PEM); absolute; empty without TLS
  uint16_t http_port = 0; // its HTTP endpoint (/metrics, the dashboard); 0 = none
};

/// Transport security ([tls] and [cluster] insecure_plaintext / secret_file).
/// With TLS, every connection is mutual TLS against ca_file, and a peer proves
/// its node id with the key of its certificate in the peer handshake. Without
/// TLS, peers prove that they know the cluster secret (secret_file).
struct security_config {
  std::string ca_file;             // [tls] ca_file: absolute; empty = TLS off
  std::string client_cert_file;    // [tls] client_cert: what keelctl and keel-bench
  std::string client_key_file;     // [tls] client_key:  present (optional; flags override)
  bool insecure_plaintext = false; // [cluster] insecure_plaintext: allow a plaintext
                                   // cluster on addresses outside 127.0.0.0/8
  std::string secret_file;         // [cluster] secret_file: absolute; default
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
  /// A shard's leader has at most this many of its entries proposed and not
  /// yet committed; writes that arrive meanwhile go out together in the next
  /// entry (replica_actor.cpp, may_propose).
  uint32_t max_entries_in_flight = 2;
};

/// Input limits, checked before anything is proposed or written.
struct limits_config {
  uint32_t max_key_bytes = 1024;
  uint32_t max_value_bytes = 1 << 20;
};

/// Logging (spdlog).
/// [metrics]: where the nodes' HTTP endpoints listen.
struct metrics_config {
  std::string bind; // the address every HTTP endpoint binds; empty = the node's host
};

struct log_config {
  std::string level = "info"; // trace, debug, info, warn, error, critical, off
  bool to_stderr = true;      // besides the file <data_dir>/<node>/keel-node.log
};

/// The whole validated cluster.conf.
struct cluster_config {
  std::string source;   // the path it was read from (for messages)
  std::string data_dir; // absolute (a relative setting, default "data", is
                        // resolved against the file's directory); node n
                        // keeps its state in data_dir/<n>
  uint32_t shards = 4;
  uint32_t replication_factor = 3; // invariant: 1 <= replication_factor <= nodes.size()
  leader_placement leaders = leader_placement::packed; // which replica each shard prefers as leader
  bool fault_injection = false;
  uint32_t actor_threads = 1;   // CAF scheduler threads per keel-node
  bool log_sync_thread = false; // fsync the log on a thread of its own, not the scheduler
  timing_config timing;
  raft_config raft;
  limits_config limits;
  log_config log;
  metrics_config metrics;
  security_config security;
  std::vector<node_config> nodes; // in file order; invariant: unique ids and host:port

  /// The node with this id, or nullptr.
  const node_config* find_node(std::string_view id) const;

  /// data_dir/<node id>
  std::string node_dir(std::string_view node_id) const;

  /// data_dir/<node id>/keel-node.pid: written by the node at start, read by
  /// `keelctl cluster` to find, signal and stop the process.
  std::string pid_file_path(std::string_view node_id) const;

  /// data_dir/<node id>/keel-node.log: the node's spdlog file.
  std::string log_file_path(std::string_view node_id) const;

  /// The nodes that hold a replica of `shard`, in preference order under
  /// `leaders` (the first is the preferred leader): replica_slots mapped to
  /// node ids.
  // REQUIRES: shard < shards and the invariants above (a validated config).
  std::vector<std::string> replicas_of(uint32_t shard) const;

  /// The shards that have a replica on `node_id`, ascending.
  std::vector<uint32_t> shards_on(std::string_view node_id) const;
};

} // namespace keel::config
