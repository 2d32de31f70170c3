// The key-value state machine over an engine on each store (RocksDB, memory): command semantics,
// exactly- once sessions (Raft thesis §6.3), the applied index in the same batch as the data,
// determinism across replicas, and request validation against limits.
#include <random>

#include <gtest/gtest.h>

#include "actors/storage/core/client_request.hpp"
#include "actors/storage/core/kv_state_machine.hpp"
#include "request_refusal.hpp"
#include "storage_test_dir.hpp"

namespace {

using namespace keel;
using namespace keel::storage;
using keel::storage::test::open_ok;
using keel::storage::test::refusal;
using keel::storage::test::store_kind;
using keel::storage::test::succeeded;
using keel::storage::test::temp_dir;
using keel::storage::test::test_stores;

command::Command put(const std::string& key, const std::string& value, uint64_t client = 0,
                     uint64_t seq = 0) {
  command::Command cmd;
  cmd.set_client_id(client);
  cmd.set_seq(seq);
  cmd.mutable_put()->set_key(key);
  cmd.mutable_put()->set_value(value);
  return cmd;
}

command::Command del(const std::string& key, uint64_t client = 0, uint64_t seq = 0) {
  command::Command cmd;
  cmd.set_client_id(client);
  cmd.set_seq(seq);
  cmd.mutable_del()->set_key(key);
  return cmd;
}

command::Command cas(const std::string& key, std::optional<std::string> expected,
                     const std::string& value, uint64_t client = 0, uint64_t seq = 0) {
  command::Command cmd;
  cmd.set_client_id(client);
  cmd.set_seq(seq);
  auto* c = cmd.mutable_cas();
  c->set_key(key);
  c->set_expect_absent(!expected);
  if (expected)
    c->set_expected(*expected);
  c->set_value(value);
  return cmd;
}

kv::Get get(const std::string& key) {
  kv::Get g;
  g.set_key(key);
  return g;
}

/// One engine, the state machine of shard 1, and the next log index.
struct StorageStateMachine : ::testing::TestWithParam<store_kind> {
  test_stores stores{GetParam()};
  std::unique_ptr<engine> db = stores.open_ok("n1");
  kv_state_machine sm{*db, 1};
  uint64_t next_index = 1;

  /// Applies the commands as the next log entry and commits it.
  std::vector<kv::Response> apply(std::vector<command::Command> cmds, uint64_t term = 1) {
    command::CommandBatch commands;
    for (auto& c : cmds)
      *commands.add_commands() = std::move(c);
    auto batch = db->make_batch();
    auto responses = sm.apply(commands, next_index++, term, batch);
    EXPECT_TRUE(succeeded(db->commit(batch, true)));
    return responses;
  }

  kv::Response apply_one(command::Command cmd) {
    auto responses = apply({std::move(cmd)});
    EXPECT_EQ(responses.size(), 1u);
    return responses.empty() ? kv::Response{} : responses.front();
  }
};

TEST_P(StorageStateMachine, PutThenGetReturnsTheValue) {
  auto response = apply_one(put("k", "v"));
  EXPECT_EQ(response.status(), kv::STATUS_OK);
  EXPECT_EQ(response.index(), 1u);
  auto read = sm.read(get("k"));
  EXPECT_EQ(read.status(), kv::STATUS_OK);
  EXPECT_TRUE(read.has_value());
  EXPECT_EQ(read.value(), "v");
  EXPECT_EQ(sm.read(get("other")).status(), kv::STATUS_NOT_FOUND);
  EXPECT_FALSE(sm.read(get("other")).has_value());
}

TEST_P(StorageStateMachine, EmptyValueIsAValue) {
  apply_one(put("k", ""));
  auto read = sm.read(get("k"));
  EXPECT_EQ(read.status(), kv::STATUS_OK);
  EXPECT_TRUE(read.has_value());
  EXPECT_EQ(read.value(), "");
}

TEST_P(StorageStateMachine, DeleteRemovesAndAbsentKeyIsNotFound) {
  apply_one(put("k", "v"));
  EXPECT_EQ(apply_one(del("k")).status(), kv::STATUS_OK);
  EXPECT_EQ(sm.read(get("k")).status(), kv::STATUS_NOT_FOUND);
  auto absent = apply_one(del("k"));
  EXPECT_EQ(absent.status(), kv::STATUS_NOT_FOUND);
  EXPECT_FALSE(absent.error().empty());
  EXPECT_EQ(db->applied(1).applied_index(), 3u); // the entry is applied all the same
}

TEST_P(StorageStateMachine, CasExpectAbsentCreatesOnlyOnce) {
  EXPECT_EQ(apply_one(cas("k", std::nullopt, "first")).status(), kv::STATUS_OK);
  auto second = apply_one(cas("k", std::nullopt, "second"));
  EXPECT_EQ(second.status(), kv::STATUS_CAS_MISMATCH);
  EXPECT_TRUE(second.has_value());
  EXPECT_EQ(second.value(), "first");
  EXPECT_EQ(sm.read(get("k")).value(), "first");
}

TEST_P(StorageStateMachine, CasSwapsOnlyTheExpectedValue) {
  apply_one(put("k", "a"));
  auto mismatch = apply_one(cas("k", "b", "c"));
  EXPECT_EQ(mismatch.status(), kv::STATUS_CAS_MISMATCH);
  EXPECT_EQ(mismatch.value(), "a");
  EXPECT_EQ(sm.read(get("k")).value(), "a");
  EXPECT_EQ(apply_one(cas("k", "a", "c")).status(), kv::STATUS_OK);
  EXPECT_EQ(sm.read(get("k")).value(), "c");
  auto absent = apply_one(cas("missing", "a", "c"));
  EXPECT_EQ(absent.status(), kv::STATUS_NOT_FOUND);
  EXPECT_FALSE(absent.has_value());
  EXPECT_EQ(sm.read(get("missing")).status(), kv::STATUS_NOT_FOUND);
}

TEST_P(StorageStateMachine, CommandsOfOneEntrySeeEachOtherInOrder) {
  auto responses = apply({put("k", "1"), cas("k", "1", "2"), del("k"), del("k")});
  ASSERT_EQ(responses.size(), 4u);
  EXPECT_EQ(responses[0].status(), kv::STATUS_OK);
  EXPECT_EQ(responses[1].status(), kv::STATUS_OK);
  EXPECT_EQ(responses[2].status(), kv::STATUS_OK);
  EXPECT_EQ(responses[3].status(), kv::STATUS_NOT_FOUND);
  for (const auto& r : responses)
    EXPECT_EQ(r.index(), 1u);
}

TEST_P(StorageStateMachine, RetriedCommandIsAppliedOnce) {
  // Thesis §6.3: a retry with the same seq gets the first answer, unapplied.
  auto first = apply_one(cas("k", std::nullopt, "v", 7, 1));
  EXPECT_EQ(first.status(), kv::STATUS_OK);
  apply_one(put("k", "changed by someone else"));
  auto retry = apply_one(cas("k", std::nullopt, "v", 7, 1));
  EXPECT_EQ(retry.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(retry.index(), 1u);
  EXPECT_EQ(sm.read(get("k")).value(), "changed by someone else");
  auto session = db->session(1, 7);
  ASSERT_TRUE(session);
  EXPECT_EQ(session->last_seq(), 1u);
}

TEST_P(StorageStateMachine, RetryInsideTheSameEntryIsAppliedOnce) {
  // Applied twice, the second cas would find the key and answer CAS_MISMATCH.
  auto responses
    = apply({cas("counter", std::nullopt, "1", 7, 4), cas("counter", std::nullopt, "1", 7, 4)});
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status(), kv::STATUS_OK);
  EXPECT_EQ(responses[1].SerializeAsString(), responses[0].SerializeAsString());
  EXPECT_EQ(sm.read(get("counter")).value(), "1");
}

TEST_P(StorageStateMachine, OlderSeqIsStaleAndNotApplied) {
  apply_one(put("k", "new", 7, 5));
  auto stale = apply_one(put("k", "old", 7, 4));
  EXPECT_EQ(stale.status(), kv::STATUS_STALE_REQUEST);
  EXPECT_FALSE(stale.error().empty());
  EXPECT_EQ(sm.read(get("k")).value(), "new");
  EXPECT_EQ(db->session(1, 7)->last_seq(), 5u);
}

TEST_P(StorageStateMachine, SessionsAreKeptPerClient) {
  apply_one(put("a", "1", 7, 1));
  EXPECT_EQ(apply_one(put("b", "2", 8, 1)).status(), kv::STATUS_OK);
  EXPECT_EQ(sm.read(get("b")).value(), "2");
  EXPECT_EQ(apply_one(put("a", "3", 7, 2)).status(), kv::STATUS_OK);
  EXPECT_EQ(sm.read(get("a")).value(), "3");
}

TEST_P(StorageStateMachine, ClientZeroIsNeverDeduplicated) {
  apply_one(put("k", "1"));
  apply_one(put("k", "2"));
  EXPECT_EQ(sm.read(get("k")).value(), "2");
  EXPECT_FALSE(db->session(1, 0));
}

TEST_P(StorageStateMachine, AppliedIndexTravelsInTheSameBatchAsTheData) {
  command::CommandBatch commands;
  *commands.add_commands() = put("k", "v", 7, 1);
  auto batch = db->make_batch();
  sm.apply(commands, 1, 3, batch);
  EXPECT_EQ(db->applied(1).applied_index(), 0u);
  EXPECT_EQ(db->get(1, "k"), std::nullopt);
  EXPECT_FALSE(db->session(1, 7));
  ASSERT_TRUE(succeeded(db->commit(batch, true)));
  EXPECT_EQ(db->applied(1).applied_index(), 1u);
  EXPECT_EQ(db->applied(1).applied_term(), 3u);
  EXPECT_EQ(db->get(1, "k"), "v");
  EXPECT_TRUE(db->session(1, 7));
}

using StorageStateMachineDeathTest = StorageStateMachine;

TEST_P(StorageStateMachineDeathTest, ReapplyingAnAppliedIndexIsABug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  apply_one(put("k", "v"));
  command::CommandBatch commands;
  *commands.add_commands() = put("k", "again");
  auto batch = db->make_batch();
  EXPECT_DEATH(EXPECT_TRUE(sm.apply(commands, 1, 1, batch).empty()), "already applied");
}

TEST_P(StorageStateMachine, EmptyEntryOnlyAdvancesTheAppliedIndex) {
  // A leader's no-op entry (§8) applies nothing but still counts as applied.
  EXPECT_TRUE(apply({}, 2).empty());
  EXPECT_EQ(db->applied(1).applied_index(), 1u);
  EXPECT_EQ(db->applied(1).applied_term(), 2u);
}

TEST_P(StorageStateMachine, SessionsSurviveAReopen) {
  apply_one(put("k", "v", 7, 3));
  apply_one(put("k", "w"));
  db.reset();
  db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  kv_state_machine reopened{*db, 1};
  command::CommandBatch commands;
  *commands.add_commands() = put("k", "v", 7, 3);
  auto batch = db->make_batch();
  auto responses = reopened.apply(commands, 3, 1, batch);
  ASSERT_TRUE(succeeded(db->commit(batch, true)));
  EXPECT_EQ(responses.at(0).index(), 1u); // the cached answer
  EXPECT_EQ(db->get(1, "k"), "w");        // not applied again
}

INSTANTIATE_TEST_SUITE_P(Stores, StorageStateMachine,
                         ::testing::ValuesIn(keel::storage::test::store_kinds),
                         keel::storage::test::store_name);
INSTANTIATE_TEST_SUITE_P(Stores, StorageStateMachineDeathTest,
                         ::testing::ValuesIn(keel::storage::test::store_kinds),
                         keel::storage::test::store_name);

// Replica a on RocksDB, b in memory: the stores are interchangeable only if
// the same log leaves the same responses and the same exported state on both.
TEST(StorageDeterminism, TwoReplicasApplyingTheSameLogAgree) {
  temp_dir tmp;
  auto a = open_ok(tmp.sub("a"), "a");
  auto b = keel::storage::test::open_memory_ok(std::make_shared<memory_store>("b"), "b");
  ASSERT_TRUE(a && b);
  kv_state_machine sm_a{*a, 0};
  kv_state_machine sm_b{*b, 0};
  std::mt19937 prng{20240611}; // the log is random, its application is not
  std::vector<uint64_t> seqs(4, 0);
  for (uint64_t index = 1; index <= 200; ++index) {
    command::CommandBatch commands;
    for (int i = 0, n = static_cast<int>(prng() % 4); i < n; ++i) {
      auto key = "k" + std::to_string(prng() % 8);
      auto value = "v" + std::to_string(prng() % 3);
      auto client = prng() % 4;
      auto seq = prng() % 4 == 0 ? seqs[client] : ++seqs[client]; // some retries
      switch (prng() % 3) {
        case 0: *commands.add_commands() = put(key, value, client, seq); break;
        case 1: *commands.add_commands() = del(key, client, seq); break;
        default:
          *commands.add_commands()
            = cas(key, prng() % 2 ? std::optional<std::string>{value} : std::nullopt,
                  "w" + std::to_string(index), client, seq);
      }
    }
    auto batch_a = a->make_batch();
    auto batch_b = b->make_batch();
    auto ra = sm_a.apply(commands, index, 1, batch_a);
    auto rb = sm_b.apply(commands, index, 1, batch_b);
    ASSERT_TRUE(succeeded(a->commit(batch_a, false)));
    ASSERT_TRUE(succeeded(b->commit(batch_b, false)));
    ASSERT_EQ(ra.size(), rb.size());
    for (size_t i = 0; i < ra.size(); ++i)
      ASSERT_EQ(ra[i].SerializeAsString(), rb[i].SerializeAsString()) << index;
  }
  EXPECT_EQ(a->export_shard(0).SerializeAsString(), b->export_shard(0).SerializeAsString());
  EXPECT_EQ(a->applied(0).applied_index(), 200u);
}

// --- request validation ------------------------------------------------------

kv::Request put_sized(size_t key_bytes, size_t value_bytes) {
  kv::Request r;
  r.set_client_id(1);
  r.set_seq(1);
  r.mutable_put()->set_key(std::string(key_bytes, 'k'));
  r.mutable_put()->set_value(std::string(value_bytes, 'v'));
  return r;
}

constexpr limits small_limits{8, 16};

TEST(StorageRequestValidation, RequestsWithinTheLimitsPass) {
  EXPECT_EQ(refusal(put_sized(8, 16), small_limits), std::nullopt);
  EXPECT_EQ(refusal(put_sized(1, 0), small_limits), std::nullopt);
  kv::Request g;
  g.mutable_get()->set_key("k");
  EXPECT_EQ(refusal(g, small_limits), std::nullopt);
}

TEST(StorageRequestValidation, EmptyKeyIsRefused) {
  auto problem = refusal(put_sized(0, 1), small_limits);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("key is empty"), std::string::npos) << *problem;
  kv::Request d;
  d.mutable_del();
  EXPECT_TRUE(refusal(d, small_limits));
}

TEST(StorageRequestValidation, LongKeyNamesTheLimitAndTheSize) {
  auto problem = refusal(put_sized(9, 1), small_limits);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("max_key_bytes = 8"), std::string::npos) << *problem;
  EXPECT_NE(problem->find("9 bytes"), std::string::npos) << *problem;
}

TEST(StorageRequestValidation, LongValueNamesTheLimitAndTheSize) {
  auto problem = refusal(put_sized(1, 17), small_limits);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("max_value_bytes = 16"), std::string::npos) << *problem;
  EXPECT_NE(problem->find("17 bytes"), std::string::npos) << *problem;
}

TEST(StorageRequestValidation, CasChecksKeyNewValueAndExpectedValue) {
  kv::Request r;
  auto* c = r.mutable_cas();
  c->set_key("k");
  c->set_expected(std::string(17, 'e'));
  auto problem = refusal(r, small_limits);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("expected value is 17 bytes"), std::string::npos) << *problem;
  c->set_expect_absent(true);
  c->clear_expected();
  EXPECT_EQ(refusal(r, small_limits), std::nullopt);
  c->set_value(std::string(17, 'v'));
  EXPECT_TRUE(refusal(r, small_limits));
}

TEST(StorageRequestValidation, RequestWithoutOperationIsRefused) {
  kv::Request r;
  r.set_client_id(1);
  auto problem = refusal(r, small_limits);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("no operation"), std::string::npos) << *problem;
}

TEST(StorageRequestValidation, WritesBecomeCommandsWithTheirSession) {
  auto request = put_sized(3, 4);
  request.set_client_id(42);
  request.set_seq(9);
  auto cmd = to_command(request);
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->client_id(), 42u);
  EXPECT_EQ(cmd->seq(), 9u);
  EXPECT_EQ(cmd->put().key(), "kkk");
  kv::Request g;
  g.mutable_get()->set_key("k");
  EXPECT_FALSE(to_command(g));
  kv::Request d;
  d.mutable_del()->set_key("k");
  ASSERT_TRUE(to_command(d));
  EXPECT_TRUE(to_command(d)->has_del());
}

} // namespace
