// The storage actor under CAF's deterministic test coordinator, on a real
// engine in a temporary directory: group commit (writes queued before the
// flush share one synced commit), answers, invalid input, the replication
// apply path, snapshot export/import, and a restarted actor continuing from
// durable state.
#include "caf_gtest_dsl.hpp"

#include "actors/storage/engine/engine.hpp"
#include "actors/storage/storage_actor.hpp"
#include "keel_test_config.hpp"
#include "../unit/storage_test_dir.hpp"

namespace {

using namespace keel;
using namespace keel::storage;
using keel::storage::test::temp_dir;

std::shared_ptr<engine> open_shared(const std::string& dir) {
  return std::shared_ptr<engine>{keel::storage::test::open_ok(dir)};
}

kv::Request put(const std::string& key, const std::string& value, uint64_t client = 0,
                uint64_t seq = 0) {
  kv::Request r;
  r.set_client_id(client);
  r.set_seq(seq);
  r.mutable_put()->set_key(key);
  r.mutable_put()->set_value(value);
  return r;
}

kv::Request get(const std::string& key) {
  kv::Request r;
  r.mutable_get()->set_key(key);
  return r;
}

kv::Request cas_absent(const std::string& key, const std::string& value, uint64_t client,
                       uint64_t seq) {
  kv::Request r;
  r.set_client_id(client);
  r.set_seq(seq);
  r.mutable_cas()->set_key(key);
  r.mutable_cas()->set_expect_absent(true);
  r.mutable_cas()->set_value(value);
  return r;
}

/// The temporary directory outlives the actor system (base classes are
/// destroyed in reverse order), so the engine closes before it is removed.
struct dir_holder {
  temp_dir tmp;
};

struct StorageActor : dir_holder,
                      ::testing::Test,
                      test_coordinator_fixture<keel::test::keel_config> {
  std::shared_ptr<engine> db = open_shared(tmp.sub("n1"));
  static constexpr limits lim{16, 64};

  caf::actor spawn(uint32_t shard = 1) {
    return spawn_storage_actor(sys, db, shard, lim, spawn_mode::scheduled);
  }

  /// Sends one request, runs everything, and returns the answer.
  kv::Response call(const caf::actor& a, const kv::Request& r) {
    auto handle = self->request(a, caf::infinite, kv_atom_v, make_pb(r));
    run();
    kv::Response out;
    handle.receive([&](pb<kv::Response>& x) { out = x.msg; },
                   [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
    return out;
  }

  admin::ShardStatus status(const caf::actor& a) {
    return request<pb<admin::ShardStatus>>(a, status_atom_v).msg;
  }
};

TEST_F(StorageActor, WritesQueuedBeforeTheFlushShareOneCommit) {
  auto a = spawn();
  run();
  auto commits = db->commit_count();
  using handle = decltype(self->request(a, caf::infinite, kv_atom_v, make_pb(kv::Request{})));
  std::vector<handle> handles;
  for (uint64_t i = 0; i < 5; ++i)
    handles.push_back(self->request(a, caf::infinite, kv_atom_v,
                                    make_pb(put("k" + std::to_string(i), "v", 7, i + 1))));
  // FIFO mailbox: all five writes are handled before the flush they triggered.
  for (int i = 0; i < 5; ++i)
    expect((kv_atom, pb<kv::Request>), from(self).to(a));
  expect((flush_atom), from(a).to(a));
  run();
  EXPECT_EQ(db->commit_count(), commits + 1);
  for (auto& h : handles)
    h.receive(
      [&](pb<kv::Response>& r) {
        EXPECT_EQ(r->status(), kv::STATUS_OK);
        EXPECT_EQ(r->index(), 1u); // one log index for the whole group
      },
      [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
  EXPECT_EQ(db->applied(1).applied_index(), 1u);
  EXPECT_EQ(db->get(1, "k4"), "v");
  EXPECT_EQ(status(a).applied_index(), 1u);
}

TEST_F(StorageActor, WritesAfterAFlushGoIntoTheNextOne) {
  auto a = spawn();
  run();
  auto commits = db->commit_count();
  EXPECT_EQ(call(a, put("a", "1")).index(), 1u);
  EXPECT_EQ(call(a, put("b", "2")).index(), 2u);
  EXPECT_EQ(db->commit_count(), commits + 2);
  EXPECT_EQ(status(a).applied_index(), 2u);
}

TEST_F(StorageActor, GetAnswersFromTheCommittedData) {
  auto a = spawn();
  call(a, put("k", "v"));
  auto found = call(a, get("k"));
  EXPECT_EQ(found.status(), kv::STATUS_OK);
  EXPECT_TRUE(found.has_value());
  EXPECT_EQ(found.value(), "v");
  EXPECT_EQ(call(a, get("missing")).status(), kv::STATUS_NOT_FOUND);
}

TEST_F(StorageActor, InvalidInputIsRefusedAndNothingIsWritten) {
  auto a = spawn();
  run();
  auto commits = db->commit_count();
  auto too_long = call(a, put(std::string(17, 'k'), "v"));
  EXPECT_EQ(too_long.status(), kv::STATUS_INVALID_ARGUMENT);
  EXPECT_NE(too_long.error().find("max_key_bytes = 16"), std::string::npos)
    << too_long.error();
  auto big_value = call(a, put("k", std::string(65, 'v')));
  EXPECT_EQ(big_value.status(), kv::STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(call(a, kv::Request{}).status(), kv::STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(call(a, get("")).status(), kv::STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(db->commit_count(), commits);
  EXPECT_EQ(db->get(1, "k"), std::nullopt);
}

TEST_F(StorageActor, RetriedWriteIsAnsweredWithoutBeingAppliedAgain) {
  auto a = spawn();
  auto first = call(a, cas_absent("k", "v", 9, 1));
  EXPECT_EQ(first.status(), kv::STATUS_OK);
  auto retry = call(a, cas_absent("k", "v", 9, 1));
  EXPECT_EQ(retry.status(), kv::STATUS_OK); // not CAS_MISMATCH: the cached answer
  EXPECT_EQ(retry.index(), first.index());
}

TEST_F(StorageActor, RestartedActorContinuesFromDurableState) {
  auto first = spawn();
  call(first, put("a", "1"));
  call(first, put("b", "2", 5, 1));
  self->send_exit(first, caf::exit_reason::kill);
  run();
  auto second = spawn();
  run();
  EXPECT_EQ(status(second).applied_index(), 2u);
  EXPECT_EQ(call(second, get("a")).value(), "1");
  EXPECT_EQ(call(second, put("c", "3")).index(), 3u);
  EXPECT_EQ(call(second, put("b", "ignored", 5, 1)).index(), 2u); // session survived
  EXPECT_EQ(db->get(1, "b"), "2");
}

TEST_F(StorageActor, ApplyPathAppliesACommittedEntry) {
  auto a = spawn();
  command::CommandBatch commands;
  auto* c = commands.add_commands();
  c->mutable_put()->set_key("k");
  c->mutable_put()->set_value("v");
  commands.add_commands()->mutable_del()->set_key("missing");
  auto responses = request<std::vector<pb<kv::Response>>>(
    a, apply_atom_v, make_pb(commands), uint64_t{7}, uint64_t{3}, true);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0]->status(), kv::STATUS_OK);
  EXPECT_EQ(responses[0]->index(), 7u);
  EXPECT_EQ(responses[1]->status(), kv::STATUS_NOT_FOUND);
  EXPECT_EQ(db->applied(1).applied_index(), 7u);
  EXPECT_EQ(db->applied(1).applied_term(), 3u);
  EXPECT_EQ(status(a).applied_index(), 7u);
  EXPECT_EQ(db->get(1, "k"), "v");
}

TEST_F(StorageActor, BrokenInvariantFailsWaitingWritesAndStopsTheActor) {
  auto a = spawn();
  run();
  self->monitor(a);
  auto write = self->request(a, caf::infinite, kv_atom_v, make_pb(put("k", "v")));
  // Index 0 is never above the applied index: the state machine throws.
  auto bad = self->request(a, caf::infinite, apply_atom_v, make_pb(command::CommandBatch{}),
                           uint64_t{0}, uint64_t{1}, false);
  run();
  bool write_failed = false;
  write.receive([&](pb<kv::Response>&) { ADD_FAILURE() << "a write was acknowledged"; },
                [&](caf::error&) { write_failed = true; });
  EXPECT_TRUE(write_failed);
  bad.receive([&](std::vector<pb<kv::Response>>&) { ADD_FAILURE() << "bad apply answered"; },
              [&](caf::error&) {});
  expect((caf::down_msg), from(a).to(self));
  EXPECT_EQ(db->get(1, "k"), std::nullopt);
}

TEST_F(StorageActor, SnapshotExportImportsIntoAnotherReplica) {
  auto source = spawn();
  call(source, put("a", "1", 4, 1));
  call(source, put("b", "2"));
  auto snapshot = request<pb<ShardSnapshot>>(source, snap_atom_v);
  EXPECT_EQ(snapshot->applied_index(), 2u);
  ASSERT_EQ(snapshot->data_size(), 2);

  auto other_db = open_shared(tmp.sub("n2"));
  auto target = spawn_storage_actor(sys, other_db, 1, lim, spawn_mode::scheduled);
  call(target, put("stale", "x"));
  auto ok = request<caf::ok_atom>(target, snap_atom_v, snapshot);
  EXPECT_EQ(ok, caf::ok_atom_v);
  EXPECT_EQ(status(target).applied_index(), 2u);
  EXPECT_EQ(call(target, get("a")).value(), "1");
  EXPECT_EQ(call(target, get("stale")).status(), kv::STATUS_NOT_FOUND);
  EXPECT_EQ(call(target, put("c", "3")).index(), 3u);
  EXPECT_EQ(call(target, put("a", "again", 4, 1)).index(), 1u); // sessions came along

  auto wrong_shard = spawn_storage_actor(sys, other_db, 2, lim, spawn_mode::scheduled);
  auto refused = self->request(wrong_shard, caf::infinite, snap_atom_v, snapshot);
  run();
  refused.receive([&](caf::ok_atom) { ADD_FAILURE() << "imported into the wrong shard"; },
                  [&](caf::error& e) { EXPECT_EQ(e, caf::sec::invalid_argument); });
}

TEST(StorageActorDetached, ConcurrentWritersShareCommitsOnItsOwnThread) {
  // The production mode, on a real scheduler: writes that arrive while a
  // commit is being fsynced wait for the next one, so there are at most as
  // many commits as writes, and each commit is one log index.
  temp_dir tmp;
  auto db = open_shared(tmp.sub("n1"));
  {
    keel::test::keel_config cfg;
    caf::actor_system sys{cfg};
    auto a = spawn_storage_actor(sys, db, 0, limits{16, 64});
    caf::scoped_actor self{sys};
    constexpr int writes = 40;
    for (int i = 0; i < writes; ++i)
      self->send(a, kv_atom_v, make_pb(put("k" + std::to_string(i), "v", 3, i + 1)));
    uint64_t max_index = 0;
    for (int i = 0; i < writes; ++i)
      self->receive(
        [&](pb<kv::Response>& r) {
          EXPECT_EQ(r->status(), kv::STATUS_OK);
          max_index = std::max(max_index, r->index());
        },
        caf::after(std::chrono::seconds(30)) >> [&] { ADD_FAILURE() << "no answer"; });
    EXPECT_EQ(max_index, db->commit_count());
    EXPECT_EQ(db->applied(0).applied_index(), db->commit_count());
    EXPECT_LE(db->commit_count(), static_cast<uint64_t>(writes));
    ::testing::Test::RecordProperty("commits", static_cast<int>(db->commit_count()));
    self->send_exit(a, caf::exit_reason::user_shutdown);
  }
  EXPECT_EQ(db->get(0, "k39"), "v");
}

} // namespace
