// keel-bench failover's reading of the nodes' status answers: who leads a
// shard, when the cluster counts as settled, keys of one shard; and the
// median / min / max summary of its runs.

#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "apps/common/cluster_config.hpp"
#include "apps/keel_bench/cluster_view.hpp"
#include "apps/keel_bench/sample_summary.hpp"

namespace {

using namespace keel;
using namespace keel::bench;

config::cluster_config three_nodes_two_shards() {
  auto parsed
    = config::parse_cluster_config("[cluster]\nshards = 2\nreplication_factor = 3\n"
                                   "[[node]]\nid = \"n1\"\nhost = \"127.0.0.1\"\nport = 17101\n"
                                   "[[node]]\nid = \"n2\"\nhost = \"127.0.0.1\"\nport = 17102\n"
                                   "[[node]]\nid = \"n3\"\nhost = \"127.0.0.1\"\nport = 17103\n",
                                   "test.conf", "/tmp");
  return *parsed;
}

void add_shard(admin::NodeStatus& n, uint32_t shard, const std::string& role, uint64_t term,
               uint64_t commit, uint64_t applied) {
  auto* s = n.add_shards();
  s->set_shard(shard);
  s->set_role(role);
  s->set_term(term);
  s->set_commit_index(commit);
  s->set_applied_index(applied);
}

// n1 leads shard 0, n2 leads shard 1; every replica has applied index 10.
std::vector<admin::NodeStatus> settled() {
  std::vector<admin::NodeStatus> nodes(3);
  for (int i = 0; i < 3; ++i) {
    nodes[i].set_node_id(std::string{"n"}.append(std::to_string(i + 1)));
    add_shard(nodes[i], 0, i == 0 ? "leader" : "follower", 2, 10, 10);
    add_shard(nodes[i], 1, i == 1 ? "leader" : "follower", 3, 10, 10);
  }
  return nodes;
}

TEST(BenchClusterView, LeaderIsTheNodeCallingItselfLeader) {
  auto nodes = settled();
  EXPECT_EQ(leader_of(0, nodes), "n1");
  EXPECT_EQ(leader_of(1, nodes), "n2");
  EXPECT_EQ(leader_of(7, nodes), std::nullopt);
}

TEST(BenchClusterView, ADeposedLeaderInAnOlderTermLoses) {
  auto nodes = settled();
  nodes[2].mutable_shards(0)->set_role("leader");
  nodes[2].mutable_shards(0)->set_term(5);
  EXPECT_EQ(leader_of(0, nodes), "n3");
}

TEST(BenchClusterView, SettledWhenEveryReplicaAppliedTheLeadersCommit) {
  auto cfg = three_nodes_two_shards();
  EXPECT_TRUE(caught_up(cfg, settled()));
}

TEST(BenchClusterView, NotSettledWhileAReplicaLags) {
  auto cfg = three_nodes_two_shards();
  auto nodes = settled();
  nodes[2].mutable_shards(1)->set_applied_index(9);
  EXPECT_FALSE(caught_up(cfg, nodes));
}

TEST(BenchClusterView, NotSettledWhileANodeIsMissing) {
  auto cfg = three_nodes_two_shards();
  auto nodes = settled();
  nodes.pop_back();
  EXPECT_FALSE(caught_up(cfg, nodes));
}

TEST(BenchClusterView, NotSettledWithoutALeader) {
  auto cfg = three_nodes_two_shards();
  auto nodes = settled();
  nodes[0].mutable_shards(0)->set_role("candidate");
  EXPECT_FALSE(caught_up(cfg, nodes));
}

TEST(BenchClusterView, KeysInShardLandThere) {
  for (uint32_t shard = 0; shard < 5; ++shard) {
    auto key = key_in_shard(shard, 5, "probe-");
    EXPECT_EQ(config::shard_of(key, 5), shard) << key;
    EXPECT_EQ(key.rfind("probe-", 0), 0u);
  }
}

TEST(BenchSampleSummary, OddCountTakesTheMiddle) {
  auto s = summarize({900, 100, 500, 300, 700});
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.median, 500.0);
  EXPECT_EQ(s.min, 100u);
  EXPECT_EQ(s.max, 900u);
}

TEST(BenchSampleSummary, EvenCountAveragesTheTwoMiddles) {
  auto s = summarize({4, 1, 3, 2});
  EXPECT_EQ(s.median, 2.5);
  EXPECT_EQ(s.min, 1u);
  EXPECT_EQ(s.max, 4u);
}

TEST(BenchSampleSummary, EmptyIsZero) {
  auto s = summarize({});
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.median, 0.0);
}

} // namespace
