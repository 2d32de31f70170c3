#include "actors/metrics/core/node_metrics.hpp"

#include <cctype>

#include "messages/version.hpp"

namespace keel::metrics {

namespace {

std::string str(std::string_view s) { return std::string(s); }

} // namespace

counter& node_metrics::requests(std::string_view op, std::string_view outcome) {
  return reg_.get_counter("keel_requests_total",
                          "Client requests answered by this node, by operation and outcome.",
                          {{"op", str(op)}, {"outcome", str(outcome)}});
}

histogram& node_metrics::request_seconds(std::string_view op) {
  return reg_.get_histogram("keel_request_duration_seconds",
                            "Time from a client request's arrival to its answer, by operation.",
                            latency_buckets(), {{"op", str(op)}});
}

histogram& node_metrics::batch_requests() {
  return reg_.get_histogram("keel_request_batch_size",
                            "Requests per batch received from a client (kv.proto, RequestBatch).",
                            {1, 2, 4, 8, 16, 32, 64, 128, 256});
}

shard_counters node_metrics::shard(uint32_t shard) {
  labels ls{{"shard", std::to_string(shard)}};
  return shard_counters{
    reg_.get_counter("keel_raft_proposals_total",
                     "Log entries this node proposed as the shard's leader.", ls),
    reg_.get_counter("keel_raft_committed_entries_total",
                     "Log entries this replica learnt are committed.", ls),
    reg_.get_counter("keel_raft_applied_entries_total",
                     "Log entries applied to this replica's state machine.", ls),
    reg_.get_counter("keel_raft_elections_total",
                     "Elections this replica started (it became a candidate).", ls),
    reg_.get_counter("keel_raft_leader_changes_total",
                     "Times the shard's leader, as this replica knows it, changed.", ls),
    reg_.get_counter("keel_raft_snapshots_total",
                     "Snapshot points this replica recorded to compact its log (the store "
                     "is the snapshot: nothing is copied).",
                     ls),
    reg_.get_counter("keel_raft_snapshots_sent_total",
                     "Snapshots this replica sent as the shard's leader to followers behind its "
                     "compacted log (each read the shard out; its writes waited meanwhile).",
                     ls),
    reg_.get_counter("keel_raft_snapshots_installed_total",
                     "Snapshots from the shard's leader this replica installed.", ls),
  };
}

counter& node_metrics::fsyncs() {
  return reg_.get_counter("keel_storage_fsyncs_total",
                          "Fsyncs of the node's write-ahead log by its log syncer; one "
                          "covers the Raft log writes of every shard made before it.");
}

histogram& node_metrics::fsync_seconds() {
  return reg_.get_histogram("keel_storage_fsync_duration_seconds",
                            "Time of one fsync of the node's write-ahead log.", latency_buckets());
}

histogram& node_metrics::apply_seconds() {
  return reg_.get_histogram("keel_storage_apply_duration_seconds",
                            "Time to apply one batch of committed entries to the state machine.",
                            latency_buckets());
}

counter& node_metrics::restarts(const std::string& path, std::string_view exit_class) {
  return reg_.get_counter("keel_supervisor_restarts_total",
                          "Restarts of a supervised actor, by its path and the class of the exit "
                          "that caused them.",
                          {{"path", path}, {"exit_class", str(exit_class)}});
}

counter& node_metrics::gave_up(const std::string& path) {
  return reg_.get_counter("keel_supervisor_intensity_exceeded_total",
                          "Times a supervisor gave up (too many restarts) and escalated.",
                          {{"path", path}});
}

peer_counters node_metrics::peer(const std::string& id) {
  labels ls{{"peer", id}};
  return peer_counters{
    reg_.get_counter("keel_transport_sent_messages_total", "Raft messages sent to a peer.", ls),
    reg_.get_counter("keel_transport_sent_frames_total",
                     "Sealed frames (batches of messages) sent to a peer.", ls),
    reg_.get_counter("keel_transport_sent_bytes_total",
                     "Bytes of Raft messages sent to a peer, before sealing.", ls),
    reg_.get_counter("keel_transport_received_messages_total",
                     "Raft messages accepted from a peer.", ls),
    reg_.get_counter("keel_transport_received_bytes_total",
                     "Bytes of authenticated frames received from a peer, after unsealing.", ls),
  };
}

counter& node_metrics::dropped(const std::string& peer, std::string_view reason) {
  return reg_.get_counter("keel_transport_dropped_messages_total",
                          "Raft messages to or from a peer that were dropped, by reason "
                          "(peer_down, queue_full, fault_rule).",
                          {{"peer", peer}, {"reason", str(reason)}});
}

counter& node_metrics::invalid(const std::string& peer, std::string_view rule) {
  return reg_.get_counter("keel_transport_invalid_messages_total",
                          "Authenticated messages from a peer refused by validation, by the rule "
                          "they broke.",
                          {{"peer", peer}, {"rule", str(rule)}});
}

counter& node_metrics::dropped_unattributed(std::string_view reason) {
  return reg_.get_counter("keel_transport_refused_total",
                          "Messages, frames and handshakes refused before any configured peer "
                          "could be held to them, by reason.",
                          {{"reason", str(reason)}});
}

void node_metrics::set_shard(const shard_gauges& g) {
  labels ls{{"shard", std::to_string(g.shard)}};
  auto set
    = [&](const char* name, const char* help, double v) { reg_.get_gauge(name, help, ls).set(v); };
  set("keel_raft_is_leader", "1 if this replica leads the shard, else 0.", g.leader ? 1 : 0);
  set("keel_raft_term", "The replica's current Raft term.", static_cast<double>(g.term));
  set("keel_raft_commit_index", "Highest log index the replica knows is committed.",
      static_cast<double>(g.commit_index));
  set("keel_raft_applied_index", "Highest log index applied to the replica's state machine.",
      static_cast<double>(g.applied_index));
  set("keel_raft_last_index", "The replica's last log index.", static_cast<double>(g.last_index));
  set("keel_raft_log_entries", "Log entries kept after the last snapshot (the log's length).",
      static_cast<double>(g.last_index >= g.snapshot_index ? g.last_index - g.snapshot_index : 0));
}

void node_metrics::set_follower_lag(uint32_t shard, const std::string& peer, uint64_t entries) {
  reg_
    .get_gauge("keel_raft_follower_lag_entries",
               "On a leader: entries a follower still lacks (last index - its match index).",
               {{"shard", std::to_string(shard)}, {"peer", peer}})
    .set(static_cast<double>(entries));
}

void node_metrics::set_peer(const peer_gauges& g) {
  labels ls{{"peer", g.peer}};
  reg_.get_gauge("keel_peer_connected", "1 if an authenticated connection to the peer is up.", ls)
    .set(g.connected ? 1 : 0);
  reg_.get_gauge("keel_peer_suspected", "1 if the failure detector suspects the peer.", ls)
    .set(g.suspected ? 1 : 0);
  reg_.get_gauge("keel_failure_detector_phi", "Phi-accrual suspicion level of the peer.", ls)
    .set(g.phi);
}

void node_metrics::set_uptime_seconds(double s) {
  reg_.get_gauge("keel_node_uptime_seconds", "Seconds since the node's client service started.")
    .set(s);
  reg_
    .get_gauge("keel_build_info",
               "Always 1; the labels name the build's version, its commit and the malloc "
               "it runs.",
               {{"version", version()}, {"commit", build_commit()}, {"malloc", malloc_name()}})
    .set(1);
}

std::string outcome_label(std::string_view status_name) {
  if (status_name.substr(0, 7) == "STATUS_")
    status_name.remove_prefix(7);
  std::string out;
  for (char c : status_name)
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

} // namespace keel::metrics
