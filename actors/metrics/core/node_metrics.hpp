// Every metric a keel-node exports, named in this one place (the list, with
// what each means, is in docs/operations.md, "Metrics"). Actors get the
// node's node_metrics at spawn and count into it; the service renders it for
// the HTTP endpoint and `keelctl metrics`, after setting the gauges that are
// read off the replicas and the failure detectors at that moment.
//
// Names follow Prometheus' conventions: a keel_ prefix, base units (seconds,
// bytes), _total on counters. Labels: shard (number), peer (node id), op
// (get, get_serializable, put, del, cas), outcome (the status in lower case:
// ok, not_found, unavailable, ...), path (a supervision path), exit_class
// (normal, shutdown, abnormal), reason and rule (why a message was dropped).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "actors/metrics/core/registry.hpp"

namespace keel::metrics {

/// One shard's Raft counters on this node.
struct shard_counters {
  counter& proposals;           // entries this node proposed as the shard's leader
  counter& committed;           // entries this replica learnt are committed
  counter& applied;             // entries its storage applied to the state machine
  counter& elections;           // campaigns this replica started (became candidate)
  counter& leader_changes;      // times the leader it knows of changed to another node
  counter& snapshots;           // snapshot points it recorded to compact its log
  counter& snapshots_sent;      // shard exports it sent as leader to followers behind its log
  counter& snapshots_installed; // snapshots it installed from a leader
};

/// Traffic with one peer node, as the transport sees it.
struct peer_counters {
  counter& sent_messages;
  counter& sent_frames;
  counter& sent_bytes;
  counter& received_messages;
  counter& received_bytes;
};

/// The scrape-time view of one shard replica (from its Raft status).
struct shard_gauges {
  uint32_t shard = 0;
  bool leader = false;
  uint64_t term = 0, commit_index = 0, applied_index = 0, last_index = 0, snapshot_index = 0;
};

/// The scrape-time view of one peer (from the membership monitor).
struct peer_gauges {
  std::string peer;
  bool connected = false;
  bool suspected = false;
  double phi = 0;
};

class node_metrics {
public:
  node_metrics() = default;

  registry& reg() { return reg_; }
  std::string expose() const { return reg_.expose(); }

  // -- the client service
  counter& requests(std::string_view op, std::string_view outcome);
  histogram& request_seconds(std::string_view op);
  histogram& batch_requests(); // requests per RequestBatch received

  // -- replicas and their storage
  shard_counters shard(uint32_t shard);
  counter& fsyncs();
  histogram& fsync_seconds();
  histogram& apply_seconds();

  // -- supervision
  counter& restarts(const std::string& path, std::string_view exit_class);
  counter& gave_up(const std::string& path);

  // -- the transport and the peer gate
  peer_counters peer(const std::string& id);
  counter& dropped(const std::string& peer, std::string_view reason);
  counter& invalid(const std::string& peer, std::string_view rule);
  counter& dropped_unattributed(std::string_view reason);

  // -- set when the metrics are read
  void set_shard(const shard_gauges& g);
  void set_follower_lag(uint32_t shard, const std::string& peer, uint64_t entries);
  void set_peer(const peer_gauges& g);
  void set_uptime_seconds(double s);

private:
  registry reg_;
};

/// `keel_...` label value of a kv status name: "STATUS_NOT_FOUND" -> "not_found".
std::string outcome_label(std::string_view status_name);

} // namespace keel::metrics
