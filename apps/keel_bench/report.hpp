// report: how keel-bench shows what it measured: plain text for people, one
// JSON object (--json) for scripts. Called by keel-bench's main.
#pragma once

#include <iosfwd>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/keel_bench/failover_run.hpp"
#include "apps/keel_bench/load_run.hpp"

namespace keel::bench {

/// A load run: settings, throughput, latency percentiles (ms), outcomes,
/// and the history writer's cost when there was a history.
nlohmann::json to_json(const load_result& r);
void print_load(std::ostream& out, const load_result& r);

/// Failover runs and their median, minimum and maximum (ms).
nlohmann::json to_json(const failover_result& r, uint32_t shard);
void print_failover_summary(std::ostream& out, const failover_result& r, uint32_t shard);

/// Several load runs as one table, one row per run.
void print_sweep(std::ostream& out, const std::vector<load_result>& runs);

} // namespace keel::bench
