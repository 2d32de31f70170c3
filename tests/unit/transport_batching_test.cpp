// Batching in the transport: the outbox groups messages per destination into
// one batch per flush, bounds each queue by dropping the oldest, and inbound
// batches split per shard in order.
#include <string>

#include <gtest/gtest.h>

#include "actors/replication/core/transport_batching.hpp"

namespace {

using keel::transport::outbox;
using keel::transport::split_by_shard;
namespace raft = keel::raft;

raft::Message msg(uint32_t shard, const std::string& to, uint64_t index) {
  raft::Message m;
  m.set_type(raft::MSG_APPEND);
  m.set_shard(shard);
  m.set_from("n1");
  m.set_to(to);
  m.set_index(index);
  return m;
}

TEST(TransportBatching, OneBatchPerDestinationAcrossShards) {
  outbox box(100);
  box.push(msg(0, "n2", 1));
  box.push(msg(1, "n3", 2));
  box.push(msg(1, "n2", 3));
  box.push(msg(0, "n2", 4));
  auto batches = box.drain();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].first, "n2");
  ASSERT_EQ(batches[0].second.messages_size(), 3);
  EXPECT_EQ(batches[0].second.messages(0).index(), 1u); // arrival order kept
  EXPECT_EQ(batches[0].second.messages(1).index(), 3u);
  EXPECT_EQ(batches[0].second.messages(2).index(), 4u);
  EXPECT_EQ(batches[1].first, "n3");
  EXPECT_EQ(batches[1].second.messages_size(), 1);
  EXPECT_TRUE(box.empty());
  EXPECT_TRUE(box.drain().empty());
}

TEST(TransportBatching, FullQueueDropsTheOldest) {
  outbox box(3);
  EXPECT_FALSE(box.push(msg(0, "n2", 1)));
  EXPECT_FALSE(box.push(msg(0, "n2", 2)));
  EXPECT_FALSE(box.push(msg(0, "n2", 3)));
  EXPECT_TRUE(box.push(msg(0, "n2", 4)));
  EXPECT_FALSE(box.push(msg(0, "n3", 5))); // bounds are per destination
  EXPECT_EQ(box.pending("n2"), 3u);
  auto batches = box.drain();
  ASSERT_EQ(batches[0].second.messages_size(), 3);
  EXPECT_EQ(batches[0].second.messages(0).index(), 2u);
  EXPECT_EQ(batches[0].second.messages(2).index(), 4u);
}

TEST(TransportBatching, DiscardEmptiesOneDestination) {
  outbox box(10);
  box.push(msg(0, "n2", 1));
  box.push(msg(0, "n2", 2));
  box.push(msg(0, "n3", 3));
  EXPECT_EQ(box.discard("n2"), 2u);
  EXPECT_EQ(box.discard("n2"), 0u);
  auto batches = box.drain();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].first, "n3");
}

TEST(TransportBatching, SplitByShardKeepsOrderWithinEachShard) {
  raft::MessageBatch batch;
  *batch.add_messages() = msg(2, "n1", 1);
  *batch.add_messages() = msg(0, "n1", 2);
  *batch.add_messages() = msg(2, "n1", 3);
  auto parts = split_by_shard(std::move(batch));
  ASSERT_EQ(parts.size(), 2u);
  ASSERT_EQ(parts[0].messages_size(), 1);
  EXPECT_EQ(parts[0].messages(0).index(), 2u);
  ASSERT_EQ(parts[2].messages_size(), 2);
  EXPECT_EQ(parts[2].messages(0).index(), 1u);
  EXPECT_EQ(parts[2].messages(1).index(), 3u);
}

TEST(TransportBatching, SplitOfAnEmptyBatchIsEmpty) {
  EXPECT_TRUE(split_by_shard(raft::MessageBatch{}).empty());
}

} // namespace
