// Client sessions of the kv state machine (Raft thesis §6.3), bounded and
// exact: log time taken from the leaders' stamps, expiry at the same index on
// every replica, least-recently-used eviction, the command digest that keeps
// a reused seq from returning another command's answer, and sessions carried
// through snapshots and restarts.
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "actors/storage/core/kv_state_machine.hpp"
#include "actors/storage/core/replica_storage.hpp"
#include "storage_test_dir.hpp"

namespace {

using namespace keel;
using namespace keel::storage;
using keel::storage::test::store_kind;
using keel::storage::test::succeeded;
using keel::storage::test::test_stores;

constexpr uint32_t shard = 1;
constexpr session_limits small{3, 1000}; // 3 records, 1 s of log time

command::Command put(uint64_t client, uint64_t seq, const std::string& key,
                     const std::string& value) {
  command::Command cmd;
  cmd.set_client_id(client);
  cmd.set_seq(seq);
  cmd.mutable_put()->set_key(key);
  cmd.mutable_put()->set_value(value);
  return cmd;
}

/// The session tests run over both stores (RocksDB, memory).
struct StorageSessions : ::testing::TestWithParam<store_kind> {
  test_stores stores{GetParam()};
};

/// One replica of shard 1: its own engine and state machine, fed entries in
/// log order, each committed.
struct replica {
  replica(test_stores& stores, const std::string& name, session_limits lim = small)
    : db(stores.open_ok(name, name)),
      sm(*db, shard, lim) {}

  std::vector<kv::Response> apply(uint64_t stamp, std::vector<command::Command> cmds) {
    command::CommandBatch commands;
    commands.set_leader_time_ms(stamp);
    for (auto& c : cmds)
      *commands.add_commands() = std::move(c);
    auto batch = db->make_batch();
    auto responses = sm.apply(commands, next_index++, 1, batch);
    EXPECT_TRUE(succeeded(db->commit(batch, false)));
    return responses;
  }

  kv::Response apply_one(uint64_t stamp, command::Command cmd) {
    return apply(stamp, {std::move(cmd)}).at(0);
  }

  /// "live", "expired" or "none".
  std::string state_of(uint64_t client) const {
    auto s = db->session(shard, client);
    return !s ? "none" : s->expired() ? "expired" : "live";
  }

  std::unique_ptr<engine> db;
  kv_state_machine sm;
  uint64_t next_index = 1;
};

TEST_P(StorageSessions, TwoReplicasExpireTheSameSessionAtTheSameIndex) {
  replica a{stores, "a"};
  replica b{stores, "b"};
  struct step {
    uint64_t stamp;
    command::Command cmd;
  };
  std::vector<step> log{{1000, put(1, 1, "k", "a")},
                        {1500, put(2, 1, "k", "b")},
                        {2000, put(3, 1, "k", "c")}, // client 1 idle 1000 ms: not more
                        {2001, put(3, 2, "k", "d")}, // idle 1001 ms: expired here
                        {2600, put(3, 3, "k", "e")}};
  std::vector<std::string> expected_state_of_1{"live", "live", "live", "expired", "expired"};
  std::vector<std::string> expected_state_of_2{"none", "live", "live", "live", "expired"};
  for (size_t i = 0; i < log.size(); ++i) {
    for (auto* r : {&a, &b}) {
      r->apply_one(log[i].stamp, log[i].cmd);
      EXPECT_EQ(r->state_of(1), expected_state_of_1[i]) << "entry " << i + 1;
      EXPECT_EQ(r->state_of(2), expected_state_of_2[i]) << "entry " << i + 1;
    }
  }
  EXPECT_EQ(a.db->export_shard(shard).SerializeAsString(),
            b.db->export_shard(shard).SerializeAsString());
}

TEST_P(StorageSessions, RetryAfterExpiryIsRefusedAndANewerSeqOpensASession) {
  replica r{stores, "r"};
  r.apply_one(1000, put(1, 5, "k", "v"));
  r.apply_one(2001, put(2, 1, "other", "x")); // expires client 1
  ASSERT_EQ(r.state_of(1), "expired");
  EXPECT_EQ(r.db->session(shard, 1)->last_seq(), 5u); // kept, without its answer
  EXPECT_FALSE(r.db->session(shard, 1)->has_last_response());
  auto retry = r.apply_one(2100, put(1, 5, "k", "v"));
  EXPECT_EQ(retry.status(), kv::STATUS_SESSION_EXPIRED);
  EXPECT_NE(retry.error().find("session of client 1 expired"), std::string::npos) << retry.error();
  EXPECT_EQ(r.apply_one(2100, put(1, 4, "k", "old")).status(), kv::STATUS_SESSION_EXPIRED);
  r.apply_one(2150, put(0, 0, "k", "changed"));
  EXPECT_EQ(r.db->get(shard, "k"), "changed"); // the refused retries applied nothing
  auto fresh = r.apply_one(2200, put(1, 6, "k", "w"));
  EXPECT_EQ(fresh.status(), kv::STATUS_OK);
  EXPECT_EQ(r.state_of(1), "live");
  EXPECT_EQ(r.db->get(shard, "k"), "w");
}

TEST_P(StorageSessions, ExpiredSessionIsDeletedAfterTwiceTheTimeout) {
  replica r{stores, "r"};
  r.apply_one(1000, put(1, 1, "k", "v"));
  r.apply_one(2500, put(2, 1, "k", "v"));
  EXPECT_EQ(r.state_of(1), "expired");
  r.apply_one(3000, put(2, 2, "k", "v")); // idle exactly 2000 ms: kept
  EXPECT_EQ(r.state_of(1), "expired");
  r.apply_one(3001, put(2, 3, "k", "v"));
  EXPECT_EQ(r.state_of(1), "none");
  EXPECT_EQ(r.sm.session_count(), 1u);
}

TEST_P(StorageSessions, StampThatGoesBackDoesNotMoveLogTimeBack) {
  replica r{stores, "r"};
  r.apply_one(5000, put(1, 1, "k", "v"));
  EXPECT_EQ(r.db->applied(shard).log_time_ms(), 5000u);
  r.apply_one(1000, put(2, 1, "k", "v")); // a new leader whose clock is behind
  EXPECT_EQ(r.db->applied(shard).log_time_ms(), 5000u);
  EXPECT_EQ(r.db->session(shard, 2)->last_used_ms(), 5000u);
  r.apply_one(0, put(2, 2, "k", "v")); // an unstamped batch
  EXPECT_EQ(r.db->applied(shard).log_time_ms(), 5000u);
  // Had the stamp of 1000 counted, client 1 would have been idle for 4001 ms.
  r.apply_one(5900, put(3, 1, "k", "v"));
  EXPECT_EQ(r.state_of(1), "live");
  r.apply_one(6001, put(3, 2, "k", "v"));
  EXPECT_EQ(r.state_of(1), "expired");
}

TEST_P(StorageSessions, FullTableEvictsTheLeastRecentlyUsedSession) {
  replica r{stores, "r", session_limits{3, 1'000'000}};
  r.apply_one(10, put(1, 1, "k", "v"));
  r.apply_one(20, put(2, 1, "k", "v"));
  r.apply_one(30, put(3, 1, "k", "v"));
  r.apply_one(40, put(1, 2, "k", "v")); // client 1 is now the most recent
  r.apply_one(50, put(4, 1, "k", "v"));
  EXPECT_EQ(r.state_of(2), "none");
  EXPECT_EQ(r.state_of(1), "live");
  EXPECT_EQ(r.state_of(3), "live");
  r.apply_one(55, put(3, 1, "k", "v")); // a retry also counts as use
  r.apply_one(60, put(5, 1, "k", "v"));
  EXPECT_EQ(r.state_of(1), "none");
  EXPECT_EQ(r.state_of(3), "live");
  EXPECT_EQ(r.state_of(4), "live");
  EXPECT_EQ(r.state_of(5), "live");
  EXPECT_EQ(r.sm.session_count(), 3u);
  // Within one stamp the smaller client id goes first, on every replica.
  r.apply(70, {put(9, 1, "k", "v"), put(8, 1, "k", "v"), put(7, 1, "k", "v")});
  r.apply_one(80, put(6, 1, "k", "v"));
  EXPECT_EQ(r.state_of(7), "none");
  EXPECT_EQ(r.state_of(8), "live");
}

TEST_P(StorageSessions, EvictionTakesExpiredSessionsFirst) {
  replica r{stores, "r", session_limits{3, 1000}};
  r.apply_one(1000, put(1, 1, "k", "v"));
  r.apply_one(1500, put(2, 1, "k", "v"));
  r.apply_one(2400, put(3, 1, "k", "v")); // client 1 expired, not deleted
  ASSERT_EQ(r.state_of(1), "expired");
  r.apply_one(2450, put(2, 2, "k", "v"));
  r.apply_one(2500, put(4, 1, "k", "v")); // client 3 is the LRU live one
  EXPECT_EQ(r.state_of(1), "none");
  EXPECT_EQ(r.state_of(3), "live");
}

TEST_P(StorageSessions, ReusedSeqWithAnotherCommandIsRefused) {
  replica r{stores, "r"};
  auto first = r.apply_one(1, put(7, 3, "k", "v"));
  auto other = r.apply_one(2, put(7, 3, "k", "not v"));
  EXPECT_EQ(other.status(), kv::STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(other.error(), "seq 3 of client 7 was already used for another command");
  EXPECT_EQ(r.db->get(shard, "k"), "v");
  auto same = r.apply_one(3, put(7, 3, "k", "v"));
  EXPECT_EQ(same.SerializeAsString(), first.SerializeAsString());
}

TEST_P(StorageSessions, DigestSeparatesOperationsAndTheirFields) {
  auto base = put(7, 3, "ab", "c");
  auto moved = put(7, 3, "a", "bc");
  EXPECT_NE(command_digest(base), command_digest(moved));
  command::Command del;
  del.mutable_del()->set_key("ab");
  EXPECT_NE(command_digest(base), command_digest(del));
  command::Command cas;
  cas.mutable_cas()->set_key("ab");
  cas.mutable_cas()->set_value("c");
  auto absent = cas;
  absent.mutable_cas()->set_expect_absent(true);
  EXPECT_NE(command_digest(cas), command_digest(absent));
  EXPECT_NE(command_digest(cas), command_digest(base));
  // The session is not part of the operation.
  EXPECT_EQ(command_digest(base), command_digest(put(8, 9, "ab", "c")));
}

TEST_P(StorageSessions, SnapshotCarriesSessionsLogTimeAndTheirOrder) {
  replica source{stores, "source"};
  source.apply_one(1000, put(1, 1, "k", "v1"));
  source.apply_one(1100, put(2, 4, "k", "v2"));
  source.apply_one(2050, put(3, 1, "k", "v3")); // client 1 expires
  auto exported = source.db->export_shard(shard);
  EXPECT_EQ(exported.log_time_ms(), 2050u);
  ASSERT_EQ(exported.sessions_size(), 3);

  replica target{stores, "target"};
  replica_storage rs{*target.db, shard, small};
  raft::Snapshot snapshot;
  snapshot.mutable_metadata()->set_index(exported.applied_index());
  snapshot.mutable_metadata()->set_term(exported.applied_term());
  snapshot.set_data(exported.SerializeAsString());
  PersistRequest install;
  *install.mutable_snapshot() = snapshot;
  auto batch = target.db->make_batch();
  rs.persist(install, batch);
  ASSERT_TRUE(succeeded(target.db->commit(batch, true)));
  EXPECT_EQ(target.db->applied(shard).log_time_ms(), 2050u);
  EXPECT_EQ(target.db->export_shard(shard).SerializeAsString(), exported.SerializeAsString());

  // Both go on from the same state and must stay identical: the same
  // expiry, the same victim, the same answers.
  auto feed = [&](uint64_t stamp, command::Command cmd) {
    command::CommandBatch commands;
    commands.set_leader_time_ms(stamp);
    *commands.add_commands() = cmd;
    raft::Entry e;
    e.set_index(source.next_index);
    e.set_term(1);
    e.set_type(raft::ENTRY_NORMAL);
    e.set_data(commands.SerializeAsString());
    entry_list committed;
    *committed.Add() = e;
    auto tb = target.db->make_batch();
    auto result = rs.apply(committed, tb);
    EXPECT_TRUE(succeeded(result));
    EXPECT_TRUE(succeeded(target.db->commit(tb, false)));
    auto expected = source.apply_one(stamp, cmd);
    EXPECT_EQ(result->results(0).responses(0).SerializeAsString(), expected.SerializeAsString());
    return expected;
  };
  EXPECT_EQ(feed(2060, put(2, 4, "k", "v2")).index(), 2u); // cached, on both
  EXPECT_EQ(feed(2070, put(2, 4, "k", "no")).status(), kv::STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(feed(2080, put(1, 1, "k", "v1")).status(), kv::STATUS_SESSION_EXPIRED);
  feed(2090, put(4, 1, "k", "v4")); // full: the expired client 1 goes
  feed(2095, put(5, 1, "k", "v5")); // then the LRU live one: client 3 (2050) < 2 (2060)
  EXPECT_EQ(target.state_of(3), "none");
  EXPECT_EQ(target.state_of(2), "live");
  EXPECT_EQ(target.db->export_shard(shard).SerializeAsString(),
            source.db->export_shard(shard).SerializeAsString());
}

TEST_P(StorageSessions, RestartKeepsTheOrderOfSessions) {
  {
    replica r{stores, "r"};
    r.apply_one(10, put(1, 1, "k", "v"));
    r.apply_one(20, put(2, 1, "k", "v"));
    r.apply_one(30, put(1, 2, "k", "v"));
  }
  auto db = stores.open_ok("r", "r");
  kv_state_machine sm{*db, shard, small};
  EXPECT_EQ(sm.session_count(), 2u);
  command::CommandBatch commands;
  commands.set_leader_time_ms(40);
  *commands.add_commands() = put(3, 1, "k", "v");
  *commands.add_commands() = put(4, 1, "k", "v"); // the fourth record: client 2 goes
  auto batch = db->make_batch();
  sm.apply(commands, 4, 1, batch);
  ASSERT_TRUE(succeeded(db->commit(batch, false)));
  EXPECT_FALSE(db->session(shard, 2));
  EXPECT_TRUE(db->session(shard, 1));
}

TEST_P(StorageSessions, RecordWrittenBeforeDigestsAndTimesStillLoads) {
  auto db = stores.open_ok("old", "old");
  // What an older build wrote: last seq and answer, nothing else.
  ClientSession old;
  old.set_last_seq(3);
  old.mutable_last_response()->set_status(kv::STATUS_OK);
  old.mutable_last_response()->set_index(1);
  auto seed = db->make_batch();
  seed.set_session(shard, 7, old);
  AppliedState applied;
  applied.set_applied_index(1);
  applied.set_applied_term(1);
  seed.set_applied(shard, applied);
  ASSERT_TRUE(succeeded(db->commit(seed, true)));

  kv_state_machine sm{*db, shard, small};
  EXPECT_EQ(sm.session_count(), 1u);
  auto apply = [&](uint64_t index, uint64_t stamp, command::Command cmd) {
    command::CommandBatch commands;
    commands.set_leader_time_ms(stamp);
    *commands.add_commands() = std::move(cmd);
    auto batch = db->make_batch();
    auto responses = sm.apply(commands, index, 1, batch);
    EXPECT_TRUE(succeeded(db->commit(batch, false)));
    return responses.at(0);
  };
  // No digest to compare: the cached answer, as before the upgrade.
  EXPECT_EQ(apply(2, 500, put(7, 3, "k", "anything")).index(), 1u);
  EXPECT_EQ(db->session(shard, 7)->last_used_ms(), 500u);
  // Last used at log time 500, it expires like any other session.
  apply(3, 1501, put(8, 1, "k", "v"));
  EXPECT_TRUE(db->session(shard, 7)->expired());
}

// The state machine decides from its memory (applied state, each session's
// last seq and digest) and reads a record only to repeat an answer. A replica
// restarted from disk must decide every later command exactly as one that kept
// running: here one of two replicas is rebuilt from its committed records
// before every entry, over a stream that retries, reuses and replays seqs,
// lets sessions expire, die and be evicted, and mixes in no-op entries.
TEST_P(StorageSessions, AStateMachineRebuiltFromDiskDecidesLikeOneThatKeptRunning) {
  replica kept{stores, "kept"};
  replica rebuilt{stores, "rebuilt"};
  std::mt19937 prng{20261203};
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(prng() % n); };
  constexpr uint64_t clients = 5; // more than the 3 records `small` keeps: evictions
  std::map<uint64_t, uint64_t> seq;
  std::map<uint64_t, command::Command> last;
  std::map<kv::Status, int> seen;
  int repeated = 0;
  uint64_t stamp = 1000;
  for (int entry = 0; entry < 600; ++entry) {
    stamp += pick(4) == 0 ? 600 + pick(1500) : pick(60); // now and then idle past the timeout
    rebuilt.sm = kv_state_machine{*rebuilt.db, shard, small};
    if (pick(10) == 0) {
      for (auto* r : {&kept, &rebuilt}) {
        auto batch = r->db->make_batch();
        r->sm.apply_noop(r->next_index++, 1, batch);
        ASSERT_TRUE(succeeded(r->db->commit(batch, false)));
      }
      continue;
    }
    std::vector<command::Command> cmds;
    for (uint32_t n = 1 + pick(3); n > 0; --n) {
      auto client = 1 + pick(clients);
      auto key = "k" + std::to_string(pick(4));
      command::Command cmd;
      switch (last.contains(client) ? pick(6) : 0) {
        case 0: // a new write: put, delete or cas
        case 1:
        case 2:
          cmd = put(client, ++seq[client], key, "v" + std::to_string(entry));
          if (pick(3) == 0) {
            cmd.clear_put();
            cmd.mutable_del()->set_key(key);
          } else if (pick(3) == 0) {
            cmd.clear_put();
            cmd.mutable_cas()->set_key(key);
            cmd.mutable_cas()->set_expected("v" + std::to_string(entry - 1));
            cmd.mutable_cas()->set_value("c" + std::to_string(entry));
          }
          last[client] = cmd;
          break;
        case 3: cmd = last[client]; break; // a retry of the last seq
        case 4:                            // the last seq for another command
          cmd = put(client, seq[client], key, "other");
          break;
        default: // an older seq
          cmd = put(client, seq[client] > 1 ? seq[client] - 1 : 0, key, "old");
      }
      cmds.push_back(cmd);
    }
    auto from_kept = kept.apply(stamp, cmds);
    auto from_rebuilt = rebuilt.apply(stamp, cmds);
    ASSERT_EQ(from_kept.size(), from_rebuilt.size());
    for (size_t i = 0; i < from_kept.size(); ++i) {
      ASSERT_EQ(from_kept[i].SerializeAsString(), from_rebuilt[i].SerializeAsString())
        << "entry " << entry << ", command " << i << ": " << from_kept[i].error() << " vs "
        << from_rebuilt[i].error();
      ++seen[from_kept[i].status()];
      repeated += from_kept[i].index() != 0 && from_kept[i].index() + 1 < kept.next_index;
    }
    ASSERT_EQ(kept.db->export_shard(shard).SerializeAsString(),
              rebuilt.db->export_shard(shard).SerializeAsString())
      << "entry " << entry;
    ASSERT_EQ(kept.sm.session_count(), rebuilt.sm.session_count());
  }
  // The stream reached every decision the memory now takes alone.
  for (auto status :
       {kv::STATUS_OK, kv::STATUS_NOT_FOUND, kv::STATUS_CAS_MISMATCH, kv::STATUS_STALE_REQUEST,
        kv::STATUS_SESSION_EXPIRED, kv::STATUS_INVALID_ARGUMENT})
    EXPECT_GT(seen[status], 0) << kv::Status_Name(status);
  EXPECT_GT(repeated, 0) << "no retry was answered from its record";
}

INSTANTIATE_TEST_SUITE_P(Stores, StorageSessions,
                         ::testing::ValuesIn(keel::storage::test::store_kinds),
                         keel::storage::test::store_name);

} // namespace
