// The storage actor under CAF's deterministic test coordinator, on a real
// engine in a temporary directory, speaking the replica <-> storage protocol:
// load, persist (one synced commit: entries, hard state, a replacing suffix, an
// installed snapshot), apply (unsynced: normal, no-op, already applied,
// session dedup), compact, a restarted incarnation continuing from durable
// state, reads served and writes refused on kv_atom, snapshot export/import.
#include <cerrno>
#include <condition_variable>
#include <mutex>

#include <sys/resource.h>
#include <unistd.h>

#include "../unit/storage_test_dir.hpp"
#include "../unit/storage_test_entries.hpp"
#include "actors/storage/engine/engine.hpp"
#include "actors/storage/storage_actor.hpp"
#include "caf_gtest_dsl.hpp"
#include "keel_test_config.hpp"

namespace {

using namespace keel;
using namespace keel::storage;
using namespace keel::storage::test::raft_entries;
using keel::storage::test::dir_holder;
using keel::storage::test::temp_dir;

std::shared_ptr<engine> open_shared(const std::string& dir) {
  return std::shared_ptr<engine>{keel::storage::test::open_ok(dir)};
}

kv::Request put_request(const std::string& key, const std::string& value) {
  kv::Request r;
  r.mutable_put()->set_key(key);
  r.mutable_put()->set_value(value);
  return r;
}

kv::Request get_request(const std::string& key) {
  kv::Request r;
  r.mutable_get()->set_key(key);
  return r;
}

/// The entries `state` holds, serialized: equal iff the entries are.
std::vector<std::string> wire_of(const ReplicaState& state) {
  std::vector<std::string> out;
  for (const auto& e : state.entries())
    out.push_back(e.SerializeAsString());
  return out;
}

std::vector<std::string> wire_of(const std::vector<raft::Entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries)
    out.push_back(e.SerializeAsString());
  return out;
}

/// The temporary directory outlives the actor system (base classes are
/// destroyed in reverse order), so the engine closes before it is removed.
struct StorageActor : dir_holder,
                      ::testing::Test,
                      test_coordinator_fixture<keel::test::keel_config> {
  std::shared_ptr<engine> db = open_shared(tmp.sub("n1"));
  static constexpr limits lim{16, 64};

  storage_api spawn(uint32_t shard = 1) { return spawn_over(db, shard); }

  /// The fsyncs of `db` so far, of either kind: a synced commit, or a sync
  /// of the log syncer covering unsynced ones.
  uint64_t syncs() const { return db->synced_commit_count() + db->sync_count(); }

  /// A storage actor over `over`, with a log syncer of its own.
  storage_api spawn_over(std::shared_ptr<engine> over, uint32_t shard) {
    auto syncer = spawn_log_syncer(sys, over);
    return spawn_storage_actor(sys, std::move(over), std::move(syncer), shard, lim,
                               spawn_mode::scheduler);
  }

  ReplicaState load(const storage_api& a) { return request<pb<ReplicaState>>(a, load_atom_v).msg; }

  /// One ready: its persist, then the applies of r.committed(); their results.
  ApplyResult persist(const storage_api& a, const PersistRequest& r) {
    return request<pb<ApplyResult>>(a, persist_atom_v, make_pb(r)).msg;
  }

  /// A ready that only applies `entries`.
  ApplyResult apply(const storage_api& a, std::vector<raft::Entry> entries) {
    return persist(a, applying(std::move(entries)));
  }

  void compact(const storage_api& a, uint64_t index) {
    EXPECT_EQ(request<caf::ok_atom>(a, compact_atom_v, index), caf::ok_atom_v);
  }

  kv::Response call(const storage_api& a, const kv::Request& r) {
    return request<pb<kv::Response>>(a, kv_atom_v, make_pb(r)).msg;
  }

  admin::ShardStatus status(const storage_api& a) {
    return request<pb<admin::ShardStatus>>(a, status_atom_v).msg;
  }

  /// Storage actors of shards 1 and 2 over `db`, both behind `syncer`.
  std::pair<storage_api, storage_api> two_shards_behind(const log_syncer_api& syncer) {
    return {spawn_storage_actor(sys, db, syncer, 1, lim, spawn_mode::scheduler),
            spawn_storage_actor(sys, db, syncer, 2, lim, spawn_mode::scheduler)};
  }

  /// Sends `a` a ready that persists a shard's first entry; not yet run.
  auto persist_first_entry(const storage_api& a) {
    return self->request(a, caf::infinite, persist_atom_v,
                         make_pb(persist_of({noop(1, 1)}, hard_state(1, "n1", 0))));
  }

  /// persist_first_entry(a), run until the gate in front of `a` has handed
  /// its flush to the worker (not yet run).
  auto persist_until_the_worker_has_it(const storage_api& a) {
    auto pending = persist_first_entry(a);
    sched.run_once(); // the storage actor commits and hands its answer to the gate
    sched.run_once(); // the gate plans a sync
    sched.run_once(); // ... and hands it to the worker
    return pending;
  }

  /// How many of `pending` were answered with results (each must have been
  /// answered already: an answer still missing is a failure, not a wait).
  template <class... Pending>
  int answered(Pending&... pending) {
    int n = 0;
    (take_answer(
       pending, [&] { ++n; }, [](const caf::error& e) { ADD_FAILURE() << to_string(e); }),
     ...);
    return n;
  }

  /// The errors `pending` were answered with, in order (each must have been
  /// answered already, and not with results).
  template <class... Pending>
  std::vector<std::string> errors(Pending&... pending) {
    std::vector<std::string> out;
    (take_answer(
       pending, [] { ADD_FAILURE() << "acknowledged a write that is not on disk"; },
       [&](const caf::error& e) { out.push_back(to_string(e)); }),
     ...);
    return out;
  }

  template <class Pending, class OnResult, class OnError>
  void take_answer(Pending& p, OnResult on_result, OnError on_error) {
    if (self->mailbox().empty()) {
      ADD_FAILURE() << "a persist was left unanswered";
      return;
    }
    p.receive([&](pb<ApplyResult>&) { on_result(); }, [&](caf::error& e) { on_error(e); });
  }

  /// Persists of shards 1 and 2 behind `syncer`, both sent before any runs:
  /// after `steps` jobs (the commits, and whatever the syncer does before
  /// its fsync) nothing is synced or answered; then both are answered after
  /// ONE fsync.
  void expect_one_fsync_for_a_turn_of_two_shards(const log_syncer_api& syncer, int steps) {
    auto [one, two] = two_shards_behind(syncer);
    run();
    auto before = syncs();
    auto first = persist_first_entry(one);
    auto second = persist_first_entry(two);
    for (int i = 0; i < steps; ++i)
      sched.run_once();
    EXPECT_EQ(syncs(), before);
    EXPECT_TRUE(self->mailbox().empty()) << "a persist was answered before its fsync";
    run();
    EXPECT_EQ(answered(first, second), 2);
    EXPECT_EQ(syncs(), before + 1);
    EXPECT_EQ(load(one).entries_size(), 1);
    EXPECT_EQ(load(two).entries_size(), 1);
  }

  /// A failed fsync acknowledges nothing it covered: the persist waiting for
  /// it gets the error, and the syncer made by `spawn_syncer` ends.
  template <class SpawnSyncer>
  void expect_a_failed_fsync_to_end_the_syncer(SpawnSyncer spawn_syncer) {
    auto disk = std::make_shared<memory_store>("disk-3");
    std::shared_ptr<engine> on_disk = keel::storage::test::open_memory_ok(disk);
    auto syncer = spawn_syncer(on_disk);
    auto a = spawn_storage_actor(sys, on_disk, syncer, 1, lim, spawn_mode::scheduler);
    self->monitor(syncer);
    run();
    auto pending
      = self->request(a, caf::infinite, persist_atom_v, make_pb(persist_of({noop(1, 1)})));
    sched.run_once(); // the storage actor commits and hands the answer to the syncer
    EXPECT_EQ(disk->unsynced_commits(), 1u);
    disk->fail_next_commit("I/O error: fsync failed"); // the store's next commit or sync
    run();
    auto failed = errors(pending);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_NE(failed[0].find("fsync failed"), std::string::npos) << failed[0];
    bool syncer_down = false;
    self->receive([&](caf::down_msg& down) { syncer_down = down.source == syncer.address(); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    EXPECT_TRUE(syncer_down);
    EXPECT_EQ(disk->unsynced_commits(), 1u);
  }
};

TEST_F(StorageActor, FreshShardLoadsEmpty) {
  auto state = load(spawn());
  EXPECT_EQ(state.hard_state().term(), 0u);
  EXPECT_EQ(state.hard_state().vote(), "");
  EXPECT_EQ(state.log_state().snapshot_index(), 0u);
  EXPECT_EQ(state.applied().applied_index(), 0u);
  EXPECT_EQ(state.entries_size(), 0);
}

TEST_F(StorageActor, PersistIsOneSyncedCommitThatLoadsBackExactly) {
  auto a = spawn();
  run();
  auto commits = db->commit_count();
  auto synced = syncs();
  std::vector<raft::Entry> log{noop(1, 1), put(2, 1, "a", "1", 3, 1), put(3, 1, "b", "2")};
  persist(a, persist_of(log, hard_state(1, "n2", 1)));
  // Figure 2: entries and hard state on stable storage before any answer.
  EXPECT_EQ(db->commit_count(), commits + 1);
  EXPECT_EQ(syncs(), synced + 1);
  auto state = load(a);
  EXPECT_EQ(wire_of(state), wire_of(log));
  EXPECT_EQ(state.hard_state().SerializeAsString(), hard_state(1, "n2", 1).SerializeAsString());
  EXPECT_EQ(state.applied().applied_index(), 0u); // persisted is not applied

  // §5.3: a new leader's entries replace the conflicting suffix 3.. and
  // everything after it; a ready without hard state leaves it as it was.
  persist(a, persist_of({noop(1, 1), put(2, 1, "b", "2")}));
  persist(a, persist_of({put(2, 2, "x", "y")}));
  state = load(a);
  EXPECT_EQ(wire_of(state), wire_of({noop(1, 1), put(2, 2, "x", "y")}));
  EXPECT_EQ(state.hard_state().vote(), "n2");
}

// Group commit across shards (log_syncer.hpp): persists of two shards that
// reach their storage actors before the syncer runs are both answered after
// ONE fsync, and each answer still comes only after it.
TEST_F(StorageActor, PersistsOfTwoShardsThatArriveTogetherShareOneFsync) {
  // Both storage actors commit, then the syncer runs: nothing is answered
  // before it has.
  expect_one_fsync_for_a_turn_of_two_shards(spawn_log_syncer(sys, db), 2);
}

// A failed fsync acknowledges nothing it covered: the syncer ends with the
// error (its supervisor restarts it and every shard after it), and the
// persist waiting for it gets the error, not an ok.
TEST_F(StorageActor, AFailedFsyncAnswersThePersistWithTheErrorAndEndsTheSyncer) {
  expect_a_failed_fsync_to_end_the_syncer(
    [&](std::shared_ptr<engine> over) { return spawn_log_syncer(sys, over); });
}

// [cluster] log_sync_thread: the gate (log_syncer.hpp) hands one fsync at a
// time to its worker, here on the test scheduler. Persists of two shards that
// reach the gate in one turn are answered after ONE fsync, and not before it.
TEST_F(StorageActor, TheGatedSyncerCoversPersistsOfOneTurnWithOneFsync) {
  // Both shards commit and hand their answers to the gate, which takes the
  // first flush and plans a sync.
  expect_one_fsync_for_a_turn_of_two_shards(spawn_gated_log_syncer(sys, db, spawn_mode::scheduler),
                                            3);
}

// A flush that reaches the gate while its fsync is with the worker waits for
// that fsync (here it covers the commit, made before the fsync began) and is
// then answered without another.
TEST_F(StorageActor, AFlushThatReachesTheGateDuringItsFsyncIsAnsweredAfterIt) {
  auto [one, two] = two_shards_behind(spawn_gated_log_syncer(sys, db, spawn_mode::scheduler));
  run();
  auto before = syncs();
  auto first = persist_until_the_worker_has_it(one);
  auto second = persist_first_entry(two);
  sched.prioritize(two);
  sched.run_once(); // shard 2 commits; its flush waits at the gate behind the fsync
  EXPECT_EQ(syncs(), before);
  EXPECT_TRUE(self->mailbox().empty()) << "a persist was answered before its fsync";
  run();
  EXPECT_EQ(answered(first, second), 2);
  EXPECT_EQ(syncs(), before + 1);
}

// A persist committed after the gate's fsync began is not covered by it: it
// waits for the next one, which the gate starts once the first is done, and
// the first persist's answer does not wait for the second fsync.
TEST_F(StorageActor, APersistCommittedDuringTheGatedFsyncWaitsForTheNextOne) {
  auto [one, two] = two_shards_behind(spawn_gated_log_syncer(sys, db, spawn_mode::scheduler));
  run();
  auto before = syncs();
  auto first = persist_until_the_worker_has_it(one);
  sched.run_once(); // the worker's fsync: shard 1's commit only
  EXPECT_EQ(syncs(), before + 1);
  auto second = persist_first_entry(two);
  sched.prioritize(two);
  sched.run_once(); // shard 2 commits after that fsync
  sched.run_once(); // the gate answers shard 1
  EXPECT_EQ(answered(first), 1);
  EXPECT_EQ(syncs(), before + 1);
  run();
  EXPECT_EQ(answered(second), 1);
  EXPECT_EQ(syncs(), before + 2);
}

// Behind the gate as without it: a failed fsync answers the persists it
// covered with the error, and the gate ends (its supervisor restarts it and
// every shard after it).
TEST_F(StorageActor, AFailedFsyncBehindTheGateAnswersThePersistWithTheErrorAndEndsTheGate) {
  expect_a_failed_fsync_to_end_the_syncer([&](std::shared_ptr<engine> over) {
    return spawn_gated_log_syncer(sys, over, spawn_mode::scheduler);
  });
}

// A persist whose flush reached the gate while the failing fsync ran (it
// waits for the next one, which will not come) gets the error too, at once.
TEST_F(StorageActor, AFailedFsyncBehindTheGateAlsoAnswersThePersistsWaitingForTheNext) {
  auto disk = std::make_shared<memory_store>("disk-3");
  std::shared_ptr<engine> on_disk = keel::storage::test::open_memory_ok(disk);
  auto gate = spawn_gated_log_syncer(sys, on_disk, spawn_mode::scheduler);
  auto one = spawn_storage_actor(sys, on_disk, gate, 1, lim, spawn_mode::scheduler);
  auto two = spawn_storage_actor(sys, on_disk, gate, 2, lim, spawn_mode::scheduler);
  run();
  auto first = persist_until_the_worker_has_it(one);
  auto second = persist_first_entry(two);
  sched.prioritize(two);
  sched.run_once(); // shard 2 commits; its flush waits at the gate behind the fsync
  disk->fail_next_commit("I/O error: fsync failed"); // the worker's sync
  run();
  auto failed = errors(first, second);
  ASSERT_EQ(failed.size(), 2u);
  for (auto& e : failed)
    EXPECT_NE(e.find("fsync failed"), std::string::npos) << e;
  EXPECT_EQ(disk->unsynced_commits(), 2u);
}

TEST_F(StorageActor, PersistedSnapshotReplacesDataAndLog) {
  auto a = spawn();
  persist(a, persist_of({noop(1, 1), put(2, 1, "old", "1"), put(3, 1, "b", "1")}));
  apply(a, {noop(1, 1), put(2, 1, "old", "1")});
  // InstallSnapshot (§7) at index 10, with the entry after it and the hard state.
  auto request = persist_of({put(11, 3, "after", "x")}, hard_state(3, "", 10));
  *request.mutable_snapshot() = snapshot_at(1, 10, 3, "k", "v");
  auto synced = syncs();
  persist(a, request);
  EXPECT_EQ(syncs(), synced + 1);

  auto state = load(a);
  EXPECT_EQ(state.log_state().snapshot_index(), 10u);
  EXPECT_EQ(state.log_state().snapshot_term(), 3u);
  EXPECT_EQ(state.applied().applied_index(), 10u);
  EXPECT_EQ(state.applied().applied_term(), 3u);
  EXPECT_EQ(wire_of(state), wire_of({put(11, 3, "after", "x")}));
  EXPECT_EQ(state.hard_state().term(), 3u);
  EXPECT_EQ(call(a, get_request("k")).value(), "v");
  EXPECT_EQ(call(a, get_request("old")).status(), kv::STATUS_NOT_FOUND);
  // Applying continues after the snapshot.
  auto result = apply(a, {put(11, 3, "after", "x")});
  ASSERT_EQ(result.results_size(), 1);
  EXPECT_EQ(result.results(0).index(), 11u);
  EXPECT_EQ(status(a).applied_index(), 11u);
}

TEST_F(StorageActor, ApplyIsOneUnsyncedCommitAndSkipsWhatWasApplied) {
  auto a = spawn();
  persist(a, persist_of({noop(1, 1), put(2, 1, "k", "first", 7, 1), put(3, 1, "k", "first", 7, 1),
                         put(4, 2, "z", "1")}));
  auto commits = db->commit_count();
  auto synced = syncs();
  auto result
    = apply(a, {noop(1, 1), put(2, 1, "k", "first", 7, 1), put(3, 1, "k", "first", 7, 1)});
  EXPECT_EQ(db->commit_count(), commits + 1);
  EXPECT_EQ(syncs(), synced);          // the synced log already holds them
  ASSERT_EQ(result.results_size(), 2); // none for the no-op
  EXPECT_EQ(result.results(0).index(), 2u);
  EXPECT_EQ(result.results(0).term(), 1u);
  ASSERT_EQ(result.results(0).responses_size(), 1);
  EXPECT_EQ(result.results(0).responses(0).status(), kv::STATUS_OK);
  EXPECT_EQ(result.results(0).responses(0).index(), 2u);
  // Thesis §6.3: the repeated command (client 7, seq 1) is answered with the
  // first answer and not applied again.
  EXPECT_EQ(result.results(1).index(), 3u);
  ASSERT_EQ(result.results(1).responses_size(), 1);
  EXPECT_EQ(result.results(1).responses(0).index(), 2u);
  EXPECT_EQ(call(a, get_request("k")).value(), "first");
  EXPECT_EQ(status(a).applied_index(), 3u);

  // Entries at or below the applied index are skipped: no result, no effect.
  auto again = apply(a, {put(3, 1, "k", "first", 7, 1), put(4, 2, "z", "1")});
  ASSERT_EQ(again.results_size(), 1);
  EXPECT_EQ(again.results(0).index(), 4u);
  EXPECT_EQ(again.results(0).term(), 2u);
  EXPECT_EQ(db->applied(1).applied_term(), 2u);
}

// A follower's usual ready: it appends a new entry and learns that earlier
// ones committed. Its persist and its applies are ONE commit and ONE fsync,
// and the results come only after the fsync, from the log syncer, like any
// persist's answer.
TEST_F(StorageActor, AReadyThatAppendsAndAppliesIsOneCommitAnsweredAfterItsFsync) {
  auto a = spawn();
  persist(a, persist_of({noop(1, 1), put(2, 1, "k", "1", 7, 1)}, hard_state(1, "n2", 0)));
  auto commits = db->commit_count();
  auto synced = syncs();
  auto ready = persist_of({put(3, 1, "k", "2", 7, 2)}, hard_state(1, "n2", 2));
  *ready.add_committed() = noop(1, 1);
  *ready.add_committed() = put(2, 1, "k", "1", 7, 1);
  auto pending = self->request(a, caf::infinite, persist_atom_v, make_pb(ready));
  sched.run_once(); // the storage actor commits and hands the answer to the syncer
  EXPECT_EQ(db->commit_count(), commits + 1);
  EXPECT_EQ(syncs(), synced);
  run();
  EXPECT_EQ(syncs(), synced + 1);
  ApplyResult result;
  pending.receive([&](pb<ApplyResult>& r) { result = std::move(r.msg); },
                  [](caf::error& e) { ADD_FAILURE() << to_string(e); });
  ASSERT_EQ(result.results_size(), 1); // none for the no-op
  EXPECT_EQ(result.results(0).index(), 2u);
  ASSERT_EQ(result.results(0).responses_size(), 1);
  EXPECT_EQ(result.results(0).responses(0).status(), kv::STATUS_OK);
  auto state = load(a);
  EXPECT_EQ(wire_of(state),
            wire_of({noop(1, 1), put(2, 1, "k", "1", 7, 1), put(3, 1, "k", "2", 7, 2)}));
  EXPECT_EQ(state.hard_state().commit(), 2u);
  EXPECT_EQ(state.applied().applied_index(), 2u);
  EXPECT_EQ(call(a, get_request("k")).value(), "1"); // entry 3 is stored, not applied

  // A ready that only moves the commit index applies the entry the previous
  // one appended, without an fsync.
  auto next = applying({put(3, 1, "k", "2", 7, 2)}, hard_state(1, "n2", 3));
  auto applied = persist(a, next);
  ASSERT_EQ(applied.results_size(), 1);
  EXPECT_EQ(applied.results(0).index(), 3u);
  EXPECT_EQ(syncs(), synced + 1); // only the commit index moved: no fsync
  EXPECT_EQ(call(a, get_request("k")).value(), "2");
}

// What a replica sends a follower behind the compaction point (the store is
// the snapshot): the export, at the applied index past that point. A load
// carries no copy of it.
TEST_F(StorageActor, CompactedLogLoadsItsTailAndExportsTheDataAtTheAppliedIndex) {
  auto a = spawn();
  persist(a, persist_of({noop(1, 1), put(2, 1, "a", "1"), put(3, 2, "b", "2"), put(4, 2, "c", "3")},
                        hard_state(2, "n1", 3)));
  apply(a, {noop(1, 1), put(2, 1, "a", "1"), put(3, 2, "b", "2")});
  auto synced = syncs();
  compact(a, 2);
  EXPECT_EQ(syncs(), synced);
  auto state = load(a);
  EXPECT_EQ(state.log_state().snapshot_index(), 2u);
  EXPECT_EQ(state.log_state().snapshot_term(), 1u); // from the stored entry 2
  EXPECT_EQ(wire_of(state), wire_of({put(3, 2, "b", "2"), put(4, 2, "c", "3")}));
  EXPECT_EQ(state.applied().applied_index(), 3u);
  auto exported = request<pb<ShardSnapshot>>(a, snap_atom_v).msg;
  EXPECT_EQ(exported.shard(), 1u);
  EXPECT_EQ(exported.applied_index(), 3u); // the applied index, past the compaction point
  EXPECT_EQ(exported.applied_term(), 2u);
  ASSERT_EQ(exported.data_size(), 2);
  EXPECT_EQ(exported.data(0).key(), "a");
  EXPECT_EQ(exported.data(1).key(), "b");
  EXPECT_EQ(status(a).snapshot_index(), 2u);
}

TEST_F(StorageActor, RestartedActorContinuesFromDurableState) {
  auto first = spawn();
  persist(first, persist_of({noop(1, 1), put(2, 1, "a", "1", 5, 1), put(3, 1, "b", "2")},
                            hard_state(1, "n1", 3)));
  apply(first, {noop(1, 1), put(2, 1, "a", "1", 5, 1)});
  compact(first, 1);
  auto before = load(first);
  self->send_exit(first, caf::exit_reason::kill);
  run();

  auto second = spawn(); // a new incarnation over the same engine
  auto after = load(second);
  EXPECT_EQ(after.SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(after.applied().applied_index(), 2u);
  EXPECT_EQ(after.log_state().snapshot_index(), 1u);
  // The restarted replica hands out the committed entries again: only 3 is new.
  auto result = apply(second, {put(2, 1, "a", "1", 5, 1), put(3, 1, "b", "2")});
  ASSERT_EQ(result.results_size(), 1);
  EXPECT_EQ(result.results(0).index(), 3u);
  // A client's retry of (5, 1), committed again in a later term.
  auto retry = put(4, 2, "a", "1", 5, 1); // the same command: a retry
  persist(second, persist_of({retry}, hard_state(2, "n1", 4)));
  EXPECT_EQ(wire_of(load(second)),
            wire_of({put(2, 1, "a", "1", 5, 1), put(3, 1, "b", "2"), retry}));
  // The session survived the restart: the retry is not applied again.
  auto repeat = apply(second, {retry});
  ASSERT_EQ(repeat.results_size(), 1);
  EXPECT_EQ(repeat.results(0).responses(0).index(), 2u);
  EXPECT_EQ(db->get(1, "a"), "1");
}

TEST_F(StorageActor, ReadsAreServedAndWritesRefused) {
  auto a = spawn();
  persist(a, persist_of({noop(1, 1), put(2, 1, "k", "v")}));
  apply(a, {noop(1, 1), put(2, 1, "k", "v")});
  auto commits = db->commit_count();
  auto found = call(a, get_request("k"));
  EXPECT_EQ(found.status(), kv::STATUS_OK);
  EXPECT_TRUE(found.has_value());
  EXPECT_EQ(found.value(), "v");
  EXPECT_EQ(call(a, get_request("missing")).status(), kv::STATUS_NOT_FOUND);
  // With Raft every write goes through the log: a write here would hand out
  // a log index of its own.
  auto write = call(a, put_request("k", "w"));
  EXPECT_EQ(write.status(), kv::STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(write.error(), "writes go through the shard's replica");
  kv::Request del;
  del.mutable_del()->set_key("k");
  EXPECT_EQ(call(a, del).status(), kv::STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(db->commit_count(), commits);
  EXPECT_EQ(db->get(1, "k"), "v");
  EXPECT_EQ(status(a).applied_index(), 2u);
}

TEST_F(StorageActor, ABatchOfReadsIsAnsweredUnderItsTagsInOrderAsIfEachCameAlone) {
  auto a = spawn();
  persist(a, persist_of({noop(1, 1), put(2, 1, "k", "v")}));
  apply(a, {noop(1, 1), put(2, 1, "k", "v")});
  kv::RequestBatch batch;
  auto add = [&](uint64_t tag, kv::Request r) {
    auto* t = batch.add_requests();
    t->set_tag(tag);
    *t->mutable_request() = std::move(r);
  };
  add(7, get_request("k"));
  add(3, get_request("missing"));
  add(9, put_request("k", "w")); // refused here as when it comes alone
  auto got = request<pb<kv::ResponseBatch>>(a, kv_atom_v, make_pb(batch)).msg;
  ASSERT_EQ(got.responses_size(), 3);
  EXPECT_EQ(got.responses(0).tag(), 7u);
  EXPECT_EQ(got.responses(0).response().value(), "v");
  EXPECT_EQ(got.responses(1).tag(), 3u);
  EXPECT_EQ(got.responses(1).response().status(), kv::STATUS_NOT_FOUND);
  EXPECT_EQ(got.responses(2).tag(), 9u);
  EXPECT_EQ(got.responses(2).response().status(), kv::STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(db->get(1, "k"), "v");
}

TEST_F(StorageActor, InvalidReadIsRefused) {
  auto a = spawn();
  auto too_long = call(a, get_request(std::string(17, 'k')));
  EXPECT_EQ(too_long.status(), kv::STATUS_INVALID_ARGUMENT);
  EXPECT_NE(too_long.error().find("max_key_bytes = 16"), std::string::npos) << too_long.error();
  EXPECT_EQ(call(a, get_request("")).status(), kv::STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(call(a, kv::Request{}).status(), kv::STATUS_INVALID_ARGUMENT);
}

TEST_F(StorageActor, MalformedEntryStopsTheActorAndAppliesNothing) {
  auto a = spawn();
  run();
  self->monitor(a);
  auto garbage = put(2, 1, "k", "v");
  garbage.set_data("\xff\xff\xff");
  // A follower's ready: it appends the entry after the broken one and commits
  // both. The ready's whole batch is discarded, its persist included.
  auto ready = persist_of({noop(1, 1), garbage, noop(3, 1)}, hard_state(1, "", 2));
  *ready.add_committed() = noop(1, 1);
  *ready.add_committed() = garbage;
  auto bad = self->request(a, caf::infinite, persist_atom_v, make_pb(ready));
  run();
  bad.receive([&](pb<ApplyResult>&) { ADD_FAILURE() << "a broken entry was applied"; },
              [&](caf::error&) {});
  expect((caf::down_msg), from(a).to(self));
  EXPECT_EQ(db->applied(1).applied_index(), 0u); // not even the no-op before it
  EXPECT_EQ(db->last_index(1), 0u);
  EXPECT_EQ(db->hard_state(1).term(), 0u);
}

using StorageActorDeathTest = StorageActor;

TEST_F(StorageActorDeathTest, CompactionBeyondTheAppliedIndexStopsTheNode) {
  // The replica compacts only what it saw applied: a broken invariant, not input.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto a = spawn();
  persist(a, persist_of({noop(1, 1), put(2, 1, "k", "v")}));
  apply(a, {noop(1, 1)});
  EXPECT_DEATH(
    {
      self->send(a, compact_atom_v, uint64_t{2});
      run();
    },
    "compaction beyond the applied index");
}

TEST_F(StorageActor, SnapshotExportImportsIntoAnotherReplica) {
  auto source = spawn();
  persist(source, persist_of({noop(1, 1), put(2, 1, "a", "1", 4, 1), put(3, 1, "b", "2")}));
  apply(source, {noop(1, 1), put(2, 1, "a", "1", 4, 1), put(3, 1, "b", "2")});
  auto snapshot = request<pb<ShardSnapshot>>(source, snap_atom_v);
  EXPECT_EQ(snapshot->applied_index(), 3u);
  ASSERT_EQ(snapshot->data_size(), 2);

  auto other_db = open_shared(tmp.sub("n2"));
  auto target = spawn_over(other_db, 1);
  apply(target, {put(1, 1, "stale", "x")});
  EXPECT_EQ(request<caf::ok_atom>(target, snap_atom_v, snapshot), caf::ok_atom_v);
  EXPECT_EQ(status(target).applied_index(), 3u);
  EXPECT_EQ(call(target, get_request("a")).value(), "1");
  EXPECT_EQ(call(target, get_request("stale")).status(), kv::STATUS_NOT_FOUND);
  auto repeat = apply(target, {put(4, 1, "a", "1", 4, 1)}); // sessions came along
  EXPECT_EQ(repeat.results(0).responses(0).index(), 2u);

  auto wrong_shard = spawn_over(other_db, 2);
  auto refused = self->request(wrong_shard, caf::infinite, snap_atom_v, snapshot);
  run();
  refused.receive([&](caf::ok_atom) { ADD_FAILURE() << "imported into the wrong shard"; },
                  [&](caf::error& e) { EXPECT_EQ(e, caf::sec::invalid_argument); });
}

TEST_F(StorageActor, ReplicasThatAppliedTheSameEntriesReportTheSameDigest) {
  auto digest = [this](const storage_api& a) {
    return request<pb<admin::ShardDigest>>(a, digest_atom_v).msg;
  };
  std::vector<raft::Entry> log{noop(1, 1), put(2, 1, "a", "1", 4, 1), put(3, 1, "b", "2")};
  auto first = spawn();
  auto second = spawn_over(open_shared(tmp.sub("n2")), 1);
  auto third = spawn_over(open_shared(tmp.sub("n3")), 1);
  apply(first, log);
  apply(second, log);
  // The third applied the same number of entries, one with another value:
  // diverged, at the same applied index.
  apply(third, {noop(1, 1), put(2, 1, "a", "1", 4, 1), put(3, 1, "b", "3")});
  auto a = digest(first);
  auto b = digest(second);
  auto c = digest(third);
  EXPECT_EQ(a.shard(), 1u);
  EXPECT_EQ(a.applied_index(), 3u);
  EXPECT_EQ(a.keys(), 2u);
  EXPECT_EQ(a.sessions(), 1u);
  EXPECT_EQ(a.digest().size(), 16u);
  EXPECT_TRUE(a.error().empty());
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_EQ(c.applied_index(), 3u);
  EXPECT_NE(a.digest(), c.digest());
}

TEST(StorageActorThreads, PersistsAndAppliesInMailboxOrder) {
  // On a real scheduler, with the fsyncs on a thread of their own behind the
  // gate ([cluster] log_sync_thread): requests are answered in mailbox order,
  // each after its commit.
  temp_dir tmp;
  auto db = open_shared(tmp.sub("n1"));
  {
    keel::test::keel_config cfg;
    caf::actor_system sys{cfg};
    auto a = spawn_storage_actor(sys, db, spawn_gated_log_syncer(sys, db), 0, limits{16, 64});
    caf::scoped_actor self{sys};
    auto fail = [](caf::error& e) { ADD_FAILURE() << to_string(e); };
    self
      ->request(a, std::chrono::seconds(30), persist_atom_v,
                make_pb(persist_of({noop(1, 1), put(2, 1, "k", "v")}, hard_state(1, "n1", 2))))
      .receive([](pb<ApplyResult>& r) { EXPECT_EQ(r->results_size(), 0); }, fail);
    self
      ->request(a, std::chrono::seconds(30), persist_atom_v,
                make_pb(applying({noop(1, 1), put(2, 1, "k", "v")})))
      .receive([](pb<ApplyResult>& r) { EXPECT_EQ(r->results_size(), 1); }, fail);
    self->request(a, std::chrono::seconds(30), load_atom_v)
      .receive(
        [](pb<ReplicaState>& state) {
          EXPECT_EQ(state->entries_size(), 2);
          EXPECT_EQ(state->applied().applied_index(), 2u);
          EXPECT_EQ(state->hard_state().commit(), 2u);
        },
        fail);
    self->send_exit(a, caf::exit_reason::user_shutdown);
  }
  EXPECT_EQ(db->get(0, "k"), "v");
}

/// Logs three entries in shard 1 (k = "1", then k = "2") and applies the
/// first two, waiting for each answer: a shard with one apply left to do.
void log_three_apply_two(caf::scoped_actor& self, const storage_api& a) {
  auto fail = [](caf::error& e) { ADD_FAILURE() << to_string(e); };
  constexpr auto wait = std::chrono::seconds(30);
  self
    ->request(a, wait, persist_atom_v,
              make_pb(persist_of({noop(1, 1), put(2, 1, "k", "1"), put(3, 1, "k", "2")},
                                 hard_state(1, "n1", 3))))
    .receive([](pb<ApplyResult>&) {}, fail);
  self->request(a, wait, persist_atom_v, make_pb(applying({noop(1, 1), put(2, 1, "k", "1")})))
    .receive([](pb<ApplyResult>&) {}, fail);
}

// Whole-shard work (an import, a digest, a load) runs on a thread of its own
// while the actor awaits it: requests sent behind it are handled after it. An
// export reads a read view taken after the requests before it, so it holds
// at least what they applied, and one consistent state: its data is that of
// its applied index, whether or not the apply queued behind it came first.
TEST(StorageActorThreads, WholeShardWorkKeepsItsPlaceInTheMailbox) {
  temp_dir tmp;
  auto db = open_shared(tmp.sub("n1"));
  auto other = open_shared(tmp.sub("n2"));
  {
    keel::test::keel_config cfg;
    caf::actor_system sys{cfg};
    auto a = spawn_storage_actor(sys, db, spawn_log_syncer(sys, db), 1, limits{16, 64});
    auto b = spawn_storage_actor(sys, other, spawn_log_syncer(sys, other), 1, limits{16, 64});
    caf::scoped_actor self{sys};
    auto fail = [](caf::error& e) { ADD_FAILURE() << to_string(e); };
    constexpr auto wait = std::chrono::seconds(30);
    log_three_apply_two(self, a);

    auto exported = self->request(a, wait, snap_atom_v);
    auto applied = self->request(a, wait, persist_atom_v, make_pb(applying({put(3, 1, "k", "2")})));
    auto digested = self->request(a, wait, digest_atom_v);
    ShardSnapshot snapshot;
    applied.receive([](pb<ApplyResult>& r) { EXPECT_EQ(r->results_size(), 1); }, fail);
    exported.receive([&](pb<ShardSnapshot>& s) { snapshot = std::move(s.msg); }, fail);
    ASSERT_GE(snapshot.applied_index(), 2u);
    ASSERT_EQ(snapshot.data_size(), 1);
    EXPECT_EQ(snapshot.data(0).value(), snapshot.applied_index() == 2 ? "1" : "2");
    admin::ShardDigest after_apply;
    digested.receive([&](pb<admin::ShardDigest>& d) { after_apply = std::move(d.msg); }, fail);
    EXPECT_EQ(after_apply.applied_index(), 3u);

    // The import replaces b's shard, and b answers from it right after.
    auto imported = self->request(b, wait, snap_atom_v, make_pb(snapshot));
    auto read = self->request(b, wait, kv_atom_v, make_pb(get_request("k")));
    imported.receive([](caf::ok_atom) {}, fail);
    read.receive([&](pb<kv::Response>& r) { EXPECT_EQ(r->value(), snapshot.data(0).value()); },
                 fail);
    self->request(a, wait, load_atom_v)
      .receive(
        [](pb<ReplicaState>& state) {
          EXPECT_EQ(state->entries_size(), 3);
          EXPECT_EQ(state->applied().applied_index(), 3u);
        },
        fail);
    for (auto& actor : {a, b})
      self->send_exit(actor, caf::exit_reason::user_shutdown);
  }
  EXPECT_EQ(db->get(1, "k"), "2");
  EXPECT_TRUE(other->get(1, "k"));
}

/// A memory store whose read views wait until the test opens the gate: an
/// export that takes as long as the test likes.
class slow_view_store final : public kv_store {
public:
  const std::string& name() const override { return inner_->name(); }
  std::unique_ptr<batch> make_batch() const override { return inner_->make_batch(); }
  storage::result<void> commit(batch& pending, bool sync) override {
    return inner_->commit(pending, sync);
  }
  storage::result<void> sync() override { return inner_->sync(); }
  std::optional<std::string> get(family f, std::string_view key,
                                 const batch* through) const override {
    return inner_->get(f, key, through);
  }
  void scan(family f, std::string_view lo, std::string_view hi, const batch* through,
            const visitor& visit) const override {
    inner_->scan(f, lo, hi, through, visit);
  }
  std::optional<std::string> last_key(family f, std::string_view lo, std::string_view hi,
                                      const batch* through) const override {
    return inner_->last_key(f, lo, hi, through);
  }
  std::shared_ptr<const kv_store> read_view() const override {
    std::unique_lock lock{mu_};
    asked_ = true;
    errno = 0;
    niceness_ = getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
    return inner_->read_view();
  }

  void wait_until_asked() const {
    std::unique_lock lock{mu_};
    changed_.wait(lock, [this] { return asked_; });
  }
  /// The niceness of the thread that asked for the view.
  int niceness_when_asked() const {
    std::lock_guard lock{mu_};
    return niceness_;
  }
  void open_gate() const {
    std::lock_guard lock{mu_};
    open_ = true;
    changed_.notify_all();
  }

private:
  std::shared_ptr<memory_store> inner_ = std::make_shared<memory_store>("slow views");
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  mutable bool asked_ = false;
  mutable bool open_ = false;
  mutable int niceness_ = 0;
};

// A lagging follower's export does not hold the shard's writes: while the
// export waits for its read view, the storage actor persists and applies
// what comes behind it and answers reads. The export's thread runs at nice 10. Before read views it
// awaited the export, and every write of the shard waited as long as the read-out took.
TEST(StorageActorThreads, AnExportDoesNotHoldTheShardsWrites) {
  auto store = std::make_shared<slow_view_store>();
  auto db = std::shared_ptr<engine>{engine::open(store, "n1", 4).value()};
  {
    keel::test::keel_config cfg;
    caf::actor_system sys{cfg};
    auto a = spawn_storage_actor(sys, db, spawn_log_syncer(sys, db), 1, limits{16, 64});
    caf::scoped_actor self{sys};
    auto fail = [](caf::error& e) { ADD_FAILURE() << to_string(e); };
    constexpr auto wait = std::chrono::seconds(30);
    log_three_apply_two(self, a);

    auto exported = self->request(a, wait, snap_atom_v);
    store->wait_until_asked();
    // Background work: below the scheduler's threads (storage_actor.cpp).
    EXPECT_EQ(store->niceness_when_asked(), 10);
    // The gate is shut: these are answered only if the actor goes on.
    self
      ->request(a, std::chrono::seconds(5), persist_atom_v,
                make_pb(applying({put(3, 1, "k", "2")})))
      .receive([](pb<ApplyResult>& r) { EXPECT_EQ(r->results_size(), 1); }, fail);
    self->request(a, std::chrono::seconds(5), kv_atom_v, make_pb(get_request("k")))
      .receive([](pb<kv::Response>& r) { EXPECT_EQ(r->value(), "2"); }, fail);
    store->open_gate();
    // The view was taken after the apply: the export holds it.
    exported.receive(
      [](pb<ShardSnapshot>& s) {
        EXPECT_EQ(s->applied_index(), 3u);
        ASSERT_EQ(s->data_size(), 1);
        EXPECT_EQ(s->data(0).value(), "2");
      },
      fail);
    self->send_exit(a, caf::exit_reason::user_shutdown);
  }
}

} // namespace
