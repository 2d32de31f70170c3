// load_run: the closed-loop load of `keel-bench load`. N clients, each with
// its own client::session on one shared runtime and one operation in flight,
// run operations back to back for a warm-up (not measured) and then the
// measured duration; latencies go into per-client histograms merged at the
// end. Called by keel-bench's main.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "actors/client/client.hpp"
#include "apps/keel_bench/history.hpp"
#include "apps/keel_bench/latency_histogram.hpp"
#include "apps/keel_bench/workload.hpp"

namespace keel::bench {

/// What to run.
struct load_settings {
  uint32_t clients = 1;   // sessions, one operation in flight each
  double duration_s = 10; // the measured part
  double warmup_s = 2;    // before it, not measured
  bench::mix mix = mix::write;
  uint64_t keys = 1000;      // key space k0..k<keys-1>
  size_t value_bytes = 100;  // size of every value written
  uint64_t seed = 1;         // client i uses seed + i
  bool preload = true;       // write every key once before a read, mixed or cas run
  bool serializable = false; // gets served by any replica (kv.proto, Get), not linearizable
};

/// Outcome counts, indexed by client::outcome.
using outcome_counts = std::array<uint64_t, 6>;

/// What a run measured. Latencies are in nanoseconds and count the
/// operations started inside the measured window only.
struct load_result {
  load_settings settings;
  double measured_s = 0;                            // the length of the measured window
  uint64_t ops = 0;                                 // operations started in it
  double ops_per_s = 0;                             // ops / measured_s
  latency_histogram latency;                        // every measured operation
  std::array<latency_histogram, 4> latency_by_kind; // indexed by op_kind
  outcome_counts outcomes{};                        // of the measured operations
  uint64_t preload_writes = 0;                      // done before the warm-up
  uint64_t preload_failures = 0;                    // of those, not ok
  uint64_t history_events = 0;                      // 0 without a history
  double history_ns_per_event = 0; // time an operation spends in the writer, lock wait included
  double history_share = 0;        // that time / (that time + time in operations)
  double loadavg_start = -1;       // the machine's 1-minute load average when the load
  double loadavg_end = -1;         // started and when it ended (/proc/loadavg); -1: unknown
};

/// Runs the load against the cluster that `opts` names, recording every
/// operation (preload, warm-up and measured) into `history` when not null.
load_result run_load(client::runtime& rt, const client::options& opts,
                     const load_settings& settings, history_writer* history);

} // namespace keel::bench
