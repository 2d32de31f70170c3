// failover_run: `keel-bench failover`. Against a local cluster started from
// the same cluster.conf, each run SIGKILLs (or SIGSTOPs) the leader of one shard and
// measures the time from the kill to the first write of a key in that shard
// that the cluster acknowledges, then restarts (or SIGCONTs) the node and waits until every
// replica of every shard has caught up before the next run. Called by
// keel-bench's main.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "actors/client/client.hpp"
#include "apps/common/cluster_config.hpp"

namespace keel::bench {

/// What to run.
struct failover_settings {
  uint32_t runs = 5;
  uint32_t shard = 0;
  uint32_t op_timeout_ms = 1000; // deadline of one put of the probe
  uint32_t ack_timeout_s = 30; // a run fails when no write is acknowledged this long after the kill
  uint32_t settle_timeout_s = 60; // for the cluster to settle before a run and after a restart
  std::string config_path;        // passed to the launcher, as `keelctl cluster` does
  std::string bin_dir;            // where keel-node is
  bool pause = false; // SIGSTOP the leader (then SIGCONT) instead of SIGKILL (then restart)
};

/// One run.
struct failover_sample {
  uint32_t run = 0;          // 1-based
  std::string killed;        // the leader that was SIGKILLed
  std::string new_leader;    // the shard's leader once the cluster settled again
  uint64_t failover_ns = 0;  // kill -> first acknowledged write
  uint64_t writes_tried = 0; // puts invoked after the kill, the acknowledged one included
  uint64_t catch_up_ns = 0;  // restart -> every replica caught up
  double loadavg = -1;       // the machine's 1-minute load average at the kill
};

/// All runs, or where they stopped.
struct failover_result {
  std::vector<failover_sample> samples;
  std::string error; // empty when every run completed
  int exit_code = 0; // keelctl's: 0, or 3 when the cluster or a node failed us
};

/// Runs the measurement; prints one progress line per run to `progress`.
failover_result run_failover(client::runtime& rt, const config::cluster_config& cfg,
                             const failover_settings& settings, std::ostream& progress);

} // namespace keel::bench
