// The replica actor with its real storage actor and engine (a one-replica
// group, so no transport is needed) under CAF's deterministic test
// coordinator: a retried write is applied exactly once (Raft thesis §6.3), a
// retried compare-and-swap gets its original answer instead of a mismatch, and
// a restarted replica serves what its predecessor acknowledged.
#include <algorithm>
#include <set>

#include <spdlog/sinks/ringbuffer_sink.h>

#include "../unit/storage_test_dir.hpp"
#include "actors/log/logger.hpp"
#include "actors/paths.hpp"
#include "actors/replication/replica_actor.hpp"
#include "actors/storage/core/client_request.hpp"
#include "actors/storage/engine/engine.hpp"
#include "actors/storage/storage_actor.hpp"
#include "ask_kv.hpp"
#include "caf_gtest_dsl.hpp"
#include "keel_test_config.hpp"
#include "supervisors/directory.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;

kv::Request put_request(uint64_t client, uint64_t seq, std::string key, std::string value);

// Stands in for the node's transport: keeps what the replica sends its peers.
caf::behavior outbox_recorder(caf::event_based_actor*,
                              std::shared_ptr<std::vector<raft::Message>> sent) {
  return {
    [sent](raft_atom, pb<raft::MessageBatch>& b) {
      for (auto& m : b->messages())
        sent->push_back(m);
    },
  };
}

struct Replica : storage::test::dir_holder,
                 ::testing::Test,
                 test_coordinator_fixture<test::keel_config> {
  std::shared_ptr<storage::engine> db{storage::test::open_ok(tmp.path().string(), "n1", 1)};
  storage::log_syncer_api syncer = storage::spawn_log_syncer(sys, db);
  std::shared_ptr<sup::directory> dir = std::make_shared<sup::directory>();
  storage::storage_api storage_actor;
  replication::replica_api replica;

  Replica() { start(); }

  ~Replica() override {
    if (recorder)
      dir->erase(paths::transport("/n1"), recorder);
    for (auto& a : {caf::actor_cast<caf::actor>(replica),
                    caf::actor_cast<caf::actor>(storage_actor), recorder})
      if (a)
        anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void start() {
    storage_actor = storage::spawn_storage_actor(sys, db, syncer, 0, storage::limits{},
                                                 storage::spawn_mode::scheduler);
    replica = *replication::spawn_replica(sys, config(storage_actor));
    // Let it load, then tick until the one-node group elected itself.
    for (int i = 0; i < 50 && !leads(); ++i) {
      sched.run();
      sched.advance_time(10ms);
    }
    ASSERT_TRUE(leads());
  }

  replication::replica_config config(storage::storage_api storage) {
    replication::replica_config cfg;
    cfg.storage = std::move(storage);
    cfg.node_id = "n1";
    cfg.root_path = "/n1";
    cfg.shard = 0;
    cfg.voters = {"n1"};
    cfg.tick_ms = 10;
    cfg.heartbeat_ticks = 1;
    cfg.election_ticks = 5;
    cfg.max_entries_in_flight = window;
    cfg.snapshot_entries = snapshot_entries;
    cfg.dir = dir;
    return cfg;
  }

  uint32_t window = 1;               // max_entries_in_flight of the next start()
  uint32_t snapshot_entries = 10000; // of the next start()

  // Sends n writes one at a time, the coordinator running one job between
  // two of them, so that each reaches a replica still busy with the ones
  // before; returns the log index each write was committed at.
  std::vector<uint64_t> trickle_writes(int n, uint64_t client) {
    for (int i = 0; i < n; ++i) {
      self->send(replica, kv_atom_v,
                 make_pb(put_request(client, i + 1, "t" + std::to_string(i), "v")));
      sched.run_once();
    }
    sched.run();
    std::vector<uint64_t> indexes;
    for (int i = 0; i < n; ++i)
      self->receive(
        [&](pb<kv::Response>& r) {
          EXPECT_EQ(r->status(), kv::STATUS_OK) << r->error();
          indexes.push_back(r->index());
        },
        caf::after(std::chrono::seconds(0)) >>
          [&] { ADD_FAILURE() << "write " << i << " unanswered"; });
    return indexes;
  }

  // The same data, now the replica n1 of {n1, n2}: what it sends n2 is kept
  // in `sent`, and the test answers in n2's name.
  void restart_as_one_of_two() {
    anon_send_exit(replica, caf::exit_reason::kill);
    anon_send_exit(storage_actor, caf::exit_reason::kill);
    sched.run();
    recorder = sys.spawn(outbox_recorder, sent);
    dir->put(paths::transport("/n1"), recorder);
    storage_actor = storage::spawn_storage_actor(sys, db, syncer, 0, storage::limits{},
                                                 storage::spawn_mode::scheduler);
    auto cfg = config(storage_actor);
    cfg.voters = {"n1", "n2"};
    replica = *replication::spawn_replica(sys, cfg);
  }
  std::shared_ptr<std::vector<raft::Message>> sent = std::make_shared<std::vector<raft::Message>>();
  caf::actor recorder;

  void restart() {
    anon_send_exit(replica, caf::exit_reason::kill);
    anon_send_exit(storage_actor, caf::exit_reason::kill);
    sched.run();
    start();
  }

  bool leads() { return shard_status().role() == "leader"; }

  admin::ShardStatus shard_status() {
    self->send(replica, status_atom_v);
    sched.run();
    admin::ShardStatus out;
    self->receive([&](pb<admin::ShardStatus>& s) { out = s.msg; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return out;
  }

  kv::Response ask(const kv::Request& req) {
    return keel::testing::ask_kv(self, sched, replica, req, 20);
  }
};

kv::Request put_request(uint64_t client, uint64_t seq, std::string key, std::string value) {
  kv::Request r;
  r.set_client_id(client);
  r.set_seq(seq);
  r.mutable_put()->set_key(std::move(key));
  r.mutable_put()->set_value(std::move(value));
  return r;
}

kv::Request cas_request(uint64_t client, uint64_t seq, std::string key, std::string expected,
                        std::string value) {
  kv::Request r;
  r.set_client_id(client);
  r.set_seq(seq);
  r.mutable_cas()->set_key(std::move(key));
  r.mutable_cas()->set_expected(std::move(expected));
  r.mutable_cas()->set_value(std::move(value));
  return r;
}

kv::Request get(std::string key) {
  kv::Request r;
  r.mutable_get()->set_key(std::move(key));
  return r;
}

// While an entry of the leader waits to be committed, the writes that arrive
// go out together in the next entry, not in an entry each: every entry costs
// each replica a synced write, an append, its answer and an apply.
TEST_F(Replica, WritesArrivingWhileAnEntryIsInFlightShareTheNextEntry) {
  auto indexes = trickle_writes(8, 5);
  ASSERT_EQ(indexes.size(), 8u);
  std::set<uint64_t> entries(indexes.begin(), indexes.end());
  // The first alone; the seven that came while it was in flight, together.
  EXPECT_LE(entries.size(), 2u) << "8 writes in " << entries.size() << " entries";
  EXPECT_TRUE(std::is_sorted(indexes.begin(), indexes.end())); // in the order they came
  for (int i = 0; i < 8; ++i)                                  // and every one of them applied
    EXPECT_EQ(ask(get("t" + std::to_string(i))).value(), "v");
}

TEST_F(Replica, AWideWindowGivesEachOfTheseWritesItsOwnEntry) {
  // The same trickle with room for many entries in flight: the control that
  // shows the test above would see the writes split if the window did not
  // hold them back.
  anon_send_exit(replica, caf::exit_reason::kill);
  anon_send_exit(storage_actor, caf::exit_reason::kill);
  sched.run();
  window = 64;
  start();
  auto indexes = trickle_writes(8, 5);
  std::set<uint64_t> entries(indexes.begin(), indexes.end());
  EXPECT_GE(entries.size(), 4u) << "8 writes in " << entries.size() << " entries";
}

TEST_F(Replica, ARetriedCompareAndSwapIsAppliedOnce) {
  ASSERT_EQ(ask(put_request(7, 1, "counter", "0")).status(), kv::STATUS_OK);
  ASSERT_EQ(ask(cas_request(7, 2, "counter", "0", "1")).status(), kv::STATUS_OK);
  // The client never saw that answer and retries with the same seq: applying
  // it again would answer CAS_MISMATCH; the session record answers OK.
  auto retry = ask(cas_request(7, 2, "counter", "0", "1"));
  EXPECT_EQ(retry.status(), kv::STATUS_OK) << retry.error();
  // A new operation of another client sees the value written once.
  auto other = ask(cas_request(8, 1, "counter", "0", "9"));
  EXPECT_EQ(other.status(), kv::STATUS_CAS_MISMATCH);
  EXPECT_EQ(other.value(), "1");
  // An older seq than the session's last is refused as stale, not applied.
  EXPECT_EQ(ask(put_request(7, 1, "counter", "0")).status(), kv::STATUS_STALE_REQUEST);
  auto r = ask(get("counter"));
  EXPECT_EQ(r.status(), kv::STATUS_OK);
  EXPECT_EQ(r.value(), "1");
}

TEST_F(Replica, ARestartedReplicaServesWhatWasAcknowledged) {
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(ask(put_request(3, i + 1, "k" + std::to_string(i), "v" + std::to_string(i))).status(),
              kv::STATUS_OK);
  restart();
  for (int i = 0; i < 20; ++i) {
    auto r = ask(get("k" + std::to_string(i)));
    ASSERT_EQ(r.status(), kv::STATUS_OK) << i;
    EXPECT_EQ(r.value(), "v" + std::to_string(i));
  }
  // The session survived the restart too: a retry of the last write is not
  // applied again, and the next one is.
  EXPECT_EQ(ask(put_request(3, 20, "k19", "v19")).status(), kv::STATUS_OK);
  EXPECT_EQ(ask(put_request(3, 21, "k19", "new")).status(), kv::STATUS_OK);
  EXPECT_EQ(ask(get("k19")).value(), "new");
}

// The store is the snapshot (replica_actor.cpp maybe_compact): compacting
// copies no data, and a restart goes on from the log's compaction point with
// the store as it was, not from a copy of the shard.
TEST_F(Replica, ACompactedReplicaRestartsFromItsCompactionPointAndItsStore) {
  snapshot_entries = 4;
  restart();
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(ask(put_request(3, i + 1, "k" + std::to_string(i), "v" + std::to_string(i))).status(),
              kv::STATUS_OK);
  auto before = shard_status();
  ASSERT_GT(before.snapshot_index(), 0u) << "the log was never compacted";
  restart();
  auto after = shard_status();
  EXPECT_EQ(after.snapshot_index(), before.snapshot_index());
  EXPECT_GE(after.applied_index(), before.applied_index());
  for (int i = 0; i < 20; ++i) {
    auto r = ask(get("k" + std::to_string(i)));
    ASSERT_EQ(r.status(), kv::STATUS_OK) << i;
    EXPECT_EQ(r.value(), "v" + std::to_string(i));
  }
  // The log goes on after the entries the restart kept.
  auto next = ask(put_request(3, 21, "k0", "new"));
  ASSERT_EQ(next.status(), kv::STATUS_OK);
  EXPECT_GT(next.index(), after.applied_index());
  EXPECT_EQ(ask(get("k0")).value(), "new");
}

// The Raft core logs through config::log (core/logger.hpp); the replica hands
// it an adapter to the node's "raft" logger, prefixed with the shard. Without
// one the core's elections, transfers and warnings went nowhere.
TEST_F(Replica, TheRaftCoresLinesReachTheNodesRaftLogger) {
  auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256);
  auto raft_log = component_logger("raft");
  raft_log->sinks().push_back(ring);
  restart();
  raft_log->sinks().pop_back();
  auto lines = ring->last_formatted();
  auto core_line = [&](const std::string& what) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.find("shard=0 node=n1 term=") != std::string::npos
             && l.find(what) != std::string::npos;
    });
  };
  EXPECT_TRUE(core_line("started term=")) << "the core's start was not logged";
  EXPECT_TRUE(core_line("became leader")) << "the core's election was not logged";
}

TEST_F(Replica, AFollowerServesSerializableReadsOnlyFromWhatItApplied) {
  ASSERT_EQ(ask(put_request(3, 1, "k", "v")).status(), kv::STATUS_OK);
  // The same data, now one replica of two with no way to reach the other: it
  // can never lead (no majority), so it is a follower without a leader.
  anon_send_exit(replica, caf::exit_reason::kill);
  anon_send_exit(storage_actor, caf::exit_reason::kill);
  sched.run();
  storage_actor = storage::spawn_storage_actor(sys, db, syncer, 0, storage::limits{},
                                               storage::spawn_mode::scheduler);
  auto cfg = config(storage_actor);
  cfg.voters = {"n1", "n2"};
  replica = *replication::spawn_replica(sys, cfg);
  for (int i = 0; i < 20; ++i) {
    sched.run();
    sched.advance_time(10ms);
  }
  ASSERT_FALSE(leads());
  auto linearizable = ask(get("k"));
  EXPECT_EQ(linearizable.status(), kv::STATUS_NOT_LEADER) << linearizable.error();
  auto serializable = get("k");
  serializable.mutable_get()->set_serializable(true);
  auto r = ask(serializable);
  EXPECT_EQ(r.status(), kv::STATUS_OK) << r.error();
  EXPECT_EQ(r.value(), "v");
  serializable.mutable_get()->set_key("absent");
  EXPECT_EQ(ask(serializable).status(), kv::STATUS_NOT_FOUND);
}

// An append of leader n2 to n1 carrying one entry that puts key = value.
raft::MessageBatch append_from_n2(uint64_t term, uint64_t prev_index, uint64_t prev_term,
                                  uint64_t commit, const std::string& key,
                                  const std::string& value) {
  command::CommandBatch commands;
  *commands.add_commands() = *storage::to_command(put_request(9, prev_index, key, value));
  raft::MessageBatch b;
  auto* m = b.add_messages();
  m->set_type(raft::MSG_APPEND);
  m->set_from("n2");
  m->set_to("n1");
  m->set_shard(0);
  m->set_term(term);
  m->set_index(prev_index);
  m->set_log_term(prev_term);
  m->set_commit(commit);
  auto* e = m->add_entries();
  e->set_type(raft::ENTRY_NORMAL);
  e->set_index(prev_index + 1);
  e->set_term(term);
  e->set_data(commands.SerializeAsString());
  return b;
}

// A leader announces a commit with its next append (docs/design.md), so a
// follower's ready often persists new entries and applies older ones. Its
// acknowledgement decides when the next entry commits: it leaves before a
// large apply is done, not after (a small one rides in the same request).
TEST_F(Replica, AFollowerAcknowledgesAnAppendBeforeApplyingWhatItCarriedCommitted) {
  const std::string large(8192, 'v');
  ASSERT_EQ(ask(put_request(3, 1, "k", "v")).status(), kv::STATUS_OK);
  self->send(replica, status_atom_v);
  sched.run();
  uint64_t term = 0, last = 0;
  self->receive(
    [&](pb<admin::ShardStatus>& s) {
      term = s->term();
      last = s->last_index();
    },
    caf::after(std::chrono::seconds(0)) >> [] { ADD_FAILURE() << "no status"; });
  ASSERT_GT(last, 0u);
  // The same data, now a follower of n2, which leads a later term.
  restart_as_one_of_two();
  sched.run();
  auto acks = [&] {
    return std::count_if(sent->begin(), sent->end(), [](const raft::Message& m) {
      return m.type() == raft::MSG_APPEND_RESP && !m.reject();
    });
  };
  self->send(replica, raft_atom_v, make_pb(append_from_n2(term + 1, last, term, last, "a", large)));
  sched.run();
  ASSERT_EQ(acks(), 1);
  // The next append commits the first: its ready persists one entry and
  // applies the other.
  self->send(replica, raft_atom_v,
             make_pb(append_from_n2(term + 1, last + 1, term + 1, last + 1, "b", "v")));
  while (acks() < 2 && sched.try_run_once()) {
  }
  ASSERT_EQ(acks(), 2);
  EXPECT_EQ(db->get(0, "a"), std::nullopt) << "applied before the acknowledgement left";
  sched.run();
  EXPECT_EQ(db->get(0, "a"), large);
  EXPECT_EQ(db->get(0, "b"), std::nullopt); // not known to be committed
}

// What a leader tells its follower n2, answered by the test in n2's name.
raft::MessageBatch answer_from_n2(const raft::Message& to_answer, raft::MessageType type,
                                  bool reject = false) {
  raft::MessageBatch b;
  auto* m = b.add_messages();
  m->set_type(type);
  m->set_from("n2");
  m->set_to("n1");
  m->set_shard(0);
  m->set_term(to_answer.term());
  m->set_reject(reject);
  if (type == raft::MSG_APPEND_RESP)
    m->set_index(to_answer.index());
  if (type == raft::MSG_HEARTBEAT_RESP)
    m->set_context(to_answer.context());
  return b;
}

// A leader reads its shard out for a follower behind the compacted log. If
// the connection to that follower closes meanwhile (the transport tells the
// replica, raft::node::peer_unreachable), the snapshot would be lost with it:
// the read-out is not sent when it ends, and the next is asked for once the
// follower answers again.
TEST_F(Replica, AReadOutForAFollowerWhoseConnectionClosedIsNotSent) {
  snapshot_entries = 4;
  restart();
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(ask(put_request(3, i + 1, "k" + std::to_string(i), "v")).status(), kv::STATUS_OK);
  ASSERT_GT(shard_status().snapshot_index(), 1u) << "the log was never compacted";
  restart_as_one_of_two(); // n2 is empty
  // Ticks until n1 sends a message of `type` to n2, which it takes off the wire.
  auto next_sent = [&](raft::MessageType type) -> std::optional<raft::Message> {
    for (int i = 0; i < 100; ++i) {
      sched.run();
      auto m = std::find_if(sent->begin(), sent->end(),
                            [&](const raft::Message& m) { return m.type() == type; });
      if (m != sent->end()) {
        auto out = *m;
        sent->clear();
        return out;
      }
      sched.advance_time(10ms);
    }
    return std::nullopt;
  };
  auto pre_vote = next_sent(raft::MSG_PRE_VOTE);
  ASSERT_TRUE(pre_vote);
  self->send(replica, raft_atom_v, make_pb(answer_from_n2(*pre_vote, raft::MSG_PRE_VOTE_RESP)));
  auto vote = next_sent(raft::MSG_VOTE);
  ASSERT_TRUE(vote);
  self->send(replica, raft_atom_v, make_pb(answer_from_n2(*vote, raft::MSG_VOTE_RESP)));
  auto probe = next_sent(raft::MSG_APPEND);
  ASSERT_TRUE(probe);
  ASSERT_TRUE(leads());
  // n2 has nothing: what it needs is compacted, so n1 asks for a read-out...
  self->send(replica, raft_atom_v,
             make_pb(answer_from_n2(*probe, raft::MSG_APPEND_RESP, /*reject=*/true)));
  sched.run_once(); // the replica takes the answer and asks its storage actor
  // ...and the connection closes before the read-out is back.
  self->send(replica, peer_atom_v, std::string{"n2"});
  sched.run();
  auto snapshots = [&] {
    return std::count_if(sent->begin(), sent->end(), [](const raft::Message& m) {
      return m.type() == raft::MSG_SNAPSHOT && !m.snapshot().data().empty();
    });
  };
  EXPECT_EQ(snapshots(), 0) << "a read-out went to a follower whose connection closed";
  // n2 answers a heartbeat: the connection is back, and so is the snapshot.
  auto heartbeat = next_sent(raft::MSG_HEARTBEAT);
  ASSERT_TRUE(heartbeat);
  self->send(replica, raft_atom_v, make_pb(answer_from_n2(*heartbeat, raft::MSG_HEARTBEAT_RESP)));
  auto snapshot = next_sent(raft::MSG_SNAPSHOT);
  ASSERT_TRUE(snapshot);
  EXPECT_FALSE(snapshot->snapshot().data().empty());
  EXPECT_EQ(snapshot->to(), "n2");
}

// The replica is handed its storage actor by its supervisor (rest_for_one
// starts the storage actor first); it never looks for one on its own.
TEST_F(Replica, RefusesToStartWithoutItsStorageActor) {
  auto started = replication::spawn_replica(sys, config(storage::storage_api{}));
  ASSERT_FALSE(started);
  EXPECT_NE(sys.render(started.error()).find("without its storage actor"), std::string::npos)
    << sys.render(started.error());
}

// A replica whose storage actor is gone does not end on its own: its shard
// supervisor has the storage actor's down message and restarts both
// (rest_for_one). Ending at once raced that message: the supervisor restarted
// the replica alone on the same dead handle until its intensity ran out (seen
// in CI under load). The replica answers every client at once, so clients
// retry without waiting for their timeout, and ends when told to.
TEST_F(Replica, WaitsForItsSupervisorWhenItsStorageActorIsGone) {
  auto gone = storage::spawn_storage_actor(sys, db, syncer, 0, storage::limits{},
                                           storage::spawn_mode::scheduler);
  anon_send_exit(gone, caf::exit_reason::kill);
  sched.run();
  auto orphan = *replication::spawn_replica(sys, config(gone));
  self->monitor(orphan);
  sched.run();
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; }, caf::after(std::chrono::seconds(0)) >> [] {});
  ASSERT_FALSE(down) << "the replica ended instead of waiting for its supervisor";
  auto answer = keel::testing::ask_kv(self, sched, orphan, put_request(9, 1, "k", "v"), 1);
  EXPECT_EQ(answer.status(), kv::STATUS_UNAVAILABLE) << answer.error();
  anon_send_exit(orphan, caf::exit_reason::user_shutdown);
  sched.run();
  caf::error reason;
  self->receive([&](caf::down_msg& dm) { reason = dm.reason, down = true; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  ASSERT_TRUE(down);
  EXPECT_EQ(reason, caf::exit_reason::user_shutdown);
  // The running replica of the fixture is not affected.
  EXPECT_TRUE(leads());
}

// A write that reaches the replica after its storage actor ended is proposed,
// fails to persist, and its client hears "outcome unknown" at once.
TEST_F(Replica, AnswersItsWaitingClientsWhenItsStorageActorEnds) {
  anon_send_exit(storage_actor, caf::exit_reason::kill);
  sched.run();
  auto answer = keel::testing::ask_kv(self, sched, replica, put_request(7, 1, "a", "1"), 1);
  EXPECT_EQ(answer.status(), kv::STATUS_TIMEOUT) << answer.error();
  EXPECT_NE(answer.error().find("outcome unknown"), std::string::npos) << answer.error();
}

} // namespace
