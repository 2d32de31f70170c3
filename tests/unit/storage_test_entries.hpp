// Builders of Raft entries and replica <-> storage requests for the storage
// tests (tests/unit/storage_replica_test.cpp, tests/actor/storage_actor_test.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "messages/command.pb.h"
#include "messages/raft.pb.h"
#include "messages/storage.pb.h"

namespace keel::storage::test::raft_entries {

inline raft::Entry noop(uint64_t index, uint64_t term) {
  raft::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_type(raft::ENTRY_NOOP);
  return e;
}

/// An ENTRY_NORMAL carrying one put of the session (client, seq).
inline raft::Entry put(uint64_t index, uint64_t term, const std::string& key,
                       const std::string& value, uint64_t client = 0, uint64_t seq = 0) {
  command::CommandBatch commands;
  auto* cmd = commands.add_commands();
  cmd->set_client_id(client);
  cmd->set_seq(seq);
  cmd->mutable_put()->set_key(key);
  cmd->mutable_put()->set_value(value);
  raft::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_type(raft::ENTRY_NORMAL);
  e.set_data(commands.SerializeAsString());
  return e;
}

inline raft::HardState hard_state(uint64_t term, const std::string& vote, uint64_t commit) {
  raft::HardState hs;
  hs.set_term(term);
  hs.set_vote(vote);
  hs.set_commit(commit);
  return hs;
}

inline PersistRequest persist_of(std::vector<raft::Entry> entries,
                                 std::optional<raft::HardState> hs = std::nullopt) {
  PersistRequest request;
  for (auto& e : entries)
    *request.add_entries() = std::move(e);
  if (hs) {
    *request.mutable_hard_state() = *hs;
  }
  return request;
}

/// Committed entries, as replica_storage::apply takes them.
inline google::protobuf::RepeatedPtrField<raft::Entry> apply_of(std::vector<raft::Entry> entries) {
  google::protobuf::RepeatedPtrField<raft::Entry> list;
  for (auto& e : entries)
    *list.Add() = std::move(e);
  return list;
}

/// A ready that only applies `committed` (and, if given, moves the commit
/// index to hs.commit): nothing in it needs an fsync.
inline PersistRequest applying(std::vector<raft::Entry> committed,
                               std::optional<raft::HardState> hs = std::nullopt) {
  auto request = persist_of({}, hs);
  for (auto& e : committed)
    *request.add_committed() = std::move(e);
  request.set_may_skip_sync(true);
  return request;
}

/// A raft::Snapshot of `shard` at (index, term) holding one key.
inline raft::Snapshot snapshot_at(uint32_t shard, uint64_t index, uint64_t term,
                                  const std::string& key, const std::string& value) {
  ShardSnapshot data;
  data.set_shard(shard);
  data.set_applied_index(index);
  data.set_applied_term(term);
  auto* kv = data.add_data();
  kv->set_key(key);
  kv->set_value(value);
  raft::Snapshot snapshot;
  snapshot.mutable_metadata()->set_index(index);
  snapshot.mutable_metadata()->set_term(term);
  snapshot.set_data(data.SerializeAsString());
  return snapshot;
}

inline std::vector<uint64_t> indexes_of(const ReplicaState& state) {
  std::vector<uint64_t> out;
  for (const auto& e : state.entries())
    out.push_back(e.index());
  return out;
}

} // namespace keel::storage::test::raft_entries
