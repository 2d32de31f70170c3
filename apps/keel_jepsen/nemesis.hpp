// nemesis: carries out a fault plan (fault_plan.hpp) against a test_cluster
// while the clients run: each fault at its time, held, then healed. What it
// could only decide at the time (which node leads a shard, which actors
// exist) it asks the cluster then, and every fault is recorded with the
// monotonic times of its injection and heal, on the history's clock.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/client/client.hpp"
#include "apps/keel_jepsen/fault_plan.hpp"
#include "apps/keel_jepsen/test_cluster.hpp"

namespace keel::jepsen {

/// One fault as it happened.
struct fault_record {
  planned_fault plan;
  std::string what;         // e.g. "kill n2 (leader of shard 1)", "partition n1 | n2 n3"
  uint64_t injected_ns = 0; // monotonic (the history's clock): when it took effect
  uint64_t healed_ns = 0;
  std::string error; // empty unless injecting or healing failed
  /// Set when the cluster did what it must never do under this fault, seen
  /// by the nemesis itself: lose_data's emptied node was not refused by any
  /// peer. The run fails on it as on a violation the checker finds.
  std::string violation;
};

class nemesis {
public:
  /// `opts` reach the cluster's nodes (status and tree queries).
  nemesis(test_cluster& cluster, client::runtime& rt, client::options opts);

  /// Carries out `plan`, fault times counted from `start_ns` (monotonic),
  /// until done or `stop` is set; returns what happened.
  std::vector<fault_record> run(const std::vector<planned_fault>& plan, uint64_t start_ns,
                                const std::atomic<bool>& stop);

  /// Undoes everything a fault may have left: every node resumed and
  /// started, every fault rule removed. nullopt when the cluster is whole.
  std::optional<std::string> heal_all();

private:
  void inject(fault_record& r, const std::atomic<bool>& stop, uint64_t heal_at_ns);
  void heal(fault_record& r);
  std::optional<std::string> cut(const std::vector<size_t>& side, const std::vector<size_t>& other);
  std::optional<std::string> heal_network();
  std::optional<size_t> leader_of_shard(uint32_t shard);
  std::optional<std::string> crash_some_actor(size_t node, uint64_t pick, std::string& what);
  bool refused_by_a_peer(size_t node);
  void lose_data(fault_record& r, const std::atomic<bool>& stop, uint64_t heal_at_ns);
  std::string names(const std::vector<size_t>& nodes) const;

  test_cluster& cluster_;
  client::session session_;
};

} // namespace keel::jepsen
