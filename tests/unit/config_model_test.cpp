// The config model and placement on their own (actors/config/core), without the
// parser: what the node and the client library compute from a cluster_config.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/config/core/cluster_config.hpp"
#include "actors/config/core/placement.hpp"

namespace keel::config {
namespace {

cluster_config three_nodes() {
  cluster_config cfg;
  cfg.data_dir = "/var/keel";
  cfg.shards = 4;
  cfg.replication_factor = 2;
  for (auto id : {"n1", "n2", "n3"})
    cfg.nodes.push_back(node_config{id, "127.0.0.1", 7001, 8001, "", ""});
  return cfg;
}

TEST(PlacementSlots, SpreadStartsAtTheShardAndWrapsAroundTheNodes) {
  auto spread = leader_placement::spread;
  EXPECT_EQ(replica_slots(0, 3, 3, spread), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(replica_slots(2, 3, 3, spread), (std::vector<size_t>{2, 0, 1}));
  EXPECT_EQ(replica_slots(7, 5, 2, spread), (std::vector<size_t>{2, 3}));
  EXPECT_EQ(replica_slots(4, 5, 3, spread), (std::vector<size_t>{4, 0, 1}));
  EXPECT_EQ(replica_slots(4, 1, 1, spread), (std::vector<size_t>{0}));
}

// The same nodes hold the shard either way (where data lives does not
// depend on who leads); packed only orders them by position.
TEST(PlacementSlots, PackedHoldsTheSameNodesInNodeOrder) {
  auto packed = leader_placement::packed;
  EXPECT_EQ(replica_slots(0, 3, 3, packed), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(replica_slots(2, 3, 3, packed), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(replica_slots(7, 5, 2, packed), (std::vector<size_t>{2, 3}));
  EXPECT_EQ(replica_slots(4, 5, 3, packed), (std::vector<size_t>{0, 1, 4}));
  EXPECT_EQ(replica_slots(4, 1, 1, packed), (std::vector<size_t>{0}));
}

TEST(PlacementSlots, NamesTheNodesOfAModelBuiltWithoutTheParser) {
  auto cfg = three_nodes();
  EXPECT_EQ(cfg.replicas_of(2), (std::vector<std::string>{"n1", "n3"}));
  cfg.leaders = leader_placement::spread;
  EXPECT_EQ(cfg.replicas_of(2), (std::vector<std::string>{"n3", "n1"}));
  EXPECT_EQ(cfg.shards_on("n1"), (std::vector<uint32_t>{0, 2, 3}));
  EXPECT_EQ(cfg.shards_on("n2"), (std::vector<uint32_t>{0, 1, 3}));
}

TEST(ConfigModel, FindsNodesAndTheirFiles) {
  auto cfg = three_nodes();
  ASSERT_NE(cfg.find_node("n2"), nullptr);
  EXPECT_EQ(cfg.find_node("n2")->id, "n2");
  EXPECT_EQ(cfg.find_node("n4"), nullptr);
  EXPECT_EQ(cfg.node_dir("n2"), "/var/keel/n2");
  EXPECT_EQ(cfg.pid_file_path("n2"), "/var/keel/n2/keel-node.pid");
  EXPECT_EQ(cfg.log_file_path("n3"), "/var/keel/n3/keel-node.log");
}

} // namespace
} // namespace keel::config
