// check_snapshot_data: a leader's snapshot is installable only if its data is a
// ShardSnapshot of this shard taken at the metadata's index and term.
#include <gtest/gtest.h>

#include "actors/storage/core/snapshot_check.hpp"
#include "messages/storage.pb.h"

namespace keel::storage {
namespace {

raft::Snapshot snapshot_of(uint32_t shard, uint64_t index, uint64_t term) {
  ShardSnapshot data;
  data.set_shard(shard);
  data.set_applied_index(index);
  data.set_applied_term(term);
  auto* kv = data.add_data();
  kv->set_key("k");
  kv->set_value("v");
  raft::Snapshot snap;
  snap.mutable_metadata()->set_index(index);
  snap.mutable_metadata()->set_term(term);
  snap.mutable_metadata()->add_voters("n1");
  snap.set_data(data.SerializeAsString());
  return snap;
}

TEST(StorageSnapshotCheck, AcceptsASnapshotOfThisShardAtItsMetadata) {
  EXPECT_TRUE(check_snapshot_data(snapshot_of(2, 40, 3), 2).ok());
}

TEST(StorageSnapshotCheck, RefusesDataThatIsNotAShardSnapshot) {
  auto snap = snapshot_of(2, 40, 3);
  snap.set_data("\xff\xff\xff garbage");
  auto checked = check_snapshot_data(snap, 2);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code, errc::invalid);
  const auto& problem = checked.error().detail;
  EXPECT_NE(problem.find("is not a ShardSnapshot"), std::string::npos) << problem;
  snap.set_data("");
  EXPECT_FALSE(check_snapshot_data(snap, 2).ok());
}

TEST(StorageSnapshotCheck, RefusesAnotherShardsSnapshot) {
  auto checked = check_snapshot_data(snapshot_of(1, 40, 3), 2);
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().detail.find("shard 1"), std::string::npos) << checked.error().detail;
}

TEST(StorageSnapshotCheck, RefusesDataTakenElsewhereThanTheMetadataSays) {
  auto wrong_index = snapshot_of(2, 40, 3);
  wrong_index.mutable_metadata()->set_index(41);
  EXPECT_FALSE(check_snapshot_data(wrong_index, 2).ok());
  auto wrong_term = snapshot_of(2, 40, 3);
  wrong_term.mutable_metadata()->set_term(4);
  EXPECT_FALSE(check_snapshot_data(wrong_term, 2).ok());
}

} // namespace
} // namespace keel::storage
