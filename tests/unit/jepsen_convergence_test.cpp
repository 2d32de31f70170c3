// keel-jepsen's convergence check over the nodes' state digests.
#include <gtest/gtest.h>

#include "apps/common/cluster_config.hpp"
#include "apps/keel_jepsen/convergence.hpp"

namespace {

using namespace keel;
using namespace keel::jepsen;

config::cluster_config three_nodes_one_shard() {
  auto parsed = config::parse_cluster_config(R"(
[cluster]
shards = 1
replication_factor = 3
[[node]]
id = "n1"
host = "127.0.0.1"
port = 7101
[[node]]
id = "n2"
host = "127.0.0.1"
port = 7102
[[node]]
id = "n3"
host = "127.0.0.1"
port = 7103
)",
                                             "test.conf", "/tmp");
  EXPECT_TRUE(parsed.ok()) << parsed.error().to_string();
  return *parsed;
}

admin::NodeDigest node(const std::string& id, uint64_t applied, const std::string& digest,
                       const std::string& error = "") {
  admin::NodeDigest n;
  n.set_node_id(id);
  auto* d = n.add_shards();
  d->set_shard(0);
  if (!error.empty()) {
    d->set_error(error);
    return n;
  }
  d->set_applied_index(applied);
  d->set_digest(digest);
  d->set_keys(4);
  return n;
}

TEST(JepsenConvergence, EqualDigestsAtOneIndexConverge) {
  auto r = check_convergence(three_nodes_one_shard(),
                             {node("n1", 9, "aa"), node("n2", 9, "aa"), node("n3", 9, "aa")});
  ASSERT_EQ(r.shards.size(), 1u);
  EXPECT_EQ(r.shards[0].state, shard_state::converged);
  EXPECT_EQ(r.shards[0].applied_index, 9u);
  EXPECT_EQ(r.shards[0].keys, 4u);
  EXPECT_TRUE(r.converged());
  EXPECT_FALSE(r.unsettled());
}

TEST(JepsenConvergence, DifferentDigestsAtOneIndexDiverge) {
  auto r = check_convergence(three_nodes_one_shard(),
                             {node("n1", 9, "aa"), node("n2", 9, "bb"), node("n3", 9, "aa")});
  EXPECT_EQ(r.shards[0].state, shard_state::diverged);
  EXPECT_NE(r.shards[0].detail.find("n2 at 9 bb"), std::string::npos) << r.shards[0].detail;
  EXPECT_TRUE(r.diverged());
  EXPECT_FALSE(r.unsettled());
}

TEST(JepsenConvergence, AReplicaBehindIsLaggingNotDiverged) {
  auto r = check_convergence(three_nodes_one_shard(),
                             {node("n1", 9, "aa"), node("n2", 8, "bb"), node("n3", 9, "aa")});
  EXPECT_EQ(r.shards[0].state, shard_state::lagging);
  EXPECT_TRUE(r.unsettled());
  EXPECT_FALSE(r.converged());
}

TEST(JepsenConvergence, AMissingOrFailedReplicaIsNamed) {
  auto silent
    = check_convergence(three_nodes_one_shard(), {node("n1", 9, "aa"), node("n3", 9, "aa")});
  EXPECT_EQ(silent.shards[0].state, shard_state::missing);
  EXPECT_NE(silent.shards[0].detail.find("n2: no answer"), std::string::npos);
  auto failed = check_convergence(
    three_nodes_one_shard(),
    {node("n1", 9, "aa"), node("n2", 0, "", "restarting"), node("n3", 9, "aa")});
  EXPECT_EQ(failed.shards[0].state, shard_state::missing);
  EXPECT_NE(failed.shards[0].detail.find("n2: restarting"), std::string::npos);
}

} // namespace
