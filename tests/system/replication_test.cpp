// System tests of a replicated 3-node cluster (real keel-node processes on
// 127.0.0.1): leader failover after kill -9 without losing an acknowledged
// write, catch-up of a restarted node (from a snapshot when the log it missed
// was compacted), and leadership spread over the nodes.
#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "actors/client/client.hpp"
#include "actors/metrics/core/exposition.hpp"
#include "apps/common/cluster_config.hpp"
#include "local_cluster.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr int shards = 3;

// A key that lives in `shard`.
std::string key_in_shard(uint32_t shard, int n) {
  for (int i = 0;; ++i) {
    auto k = "s" + std::to_string(shard) + "-" + std::to_string(n) + "-" + std::to_string(i);
    if (config::shard_of(k, shards) == shard)
      return k;
  }
}

// The leader of `shard` as the reachable nodes report it, if they agree on one.
std::optional<std::string> leader_of(client::session& s, uint32_t shard) {
  std::set<std::string> leaders;
  for (auto& st : s.status_all()) {
    if (!st.ok())
      continue;
    for (auto& sh : st.value->shards())
      if (sh.shard() == shard && sh.role() == "leader")
        leaders.insert(st.value->node_id());
  }
  if (leaders.size() != 1)
    return std::nullopt;
  return *leaders.begin();
}

// The leader of `shard` once the nodes agree on one, waiting up to 20 s.
std::optional<std::string> await_leader(client::session& s, uint32_t shard) {
  std::optional<std::string> leader;
  test::eventually([&] { return (leader = leader_of(s, shard)).has_value(); }, 20s);
  return leader;
}

// Per node: applied index of `shard`, for nodes that answer.
std::map<std::string, uint64_t> applied_of(client::session& s, uint32_t shard) {
  std::map<std::string, uint64_t> out;
  for (auto& st : s.status_all())
    if (st.ok())
      for (auto& sh : st.value->shards())
        if (sh.shard() == shard)
          out[st.value->node_id()] = sh.applied_index();
  return out;
}

// Whether all three replicas of `shard` answer and have applied the same index.
bool converged(client::session& s, uint32_t shard) {
  auto a = applied_of(s, shard);
  if (a.size() != 3)
    return false;
  auto first = a.begin()->second;
  return std::all_of(a.begin(), a.end(), [&](auto& p) { return p.second == first; });
}

// Where the nodes fsync their log ([cluster] log_sync_thread): the same
// guarantees either way.
struct LogSync {
  const char* name;
  const char* extra; // cluster.conf lines for [cluster]
};

class ReplicationWithLogSync : public ::testing::TestWithParam<LogSync> {};

TEST_P(ReplicationWithLogSync, LeaderKillLosesNoAcknowledgedWriteAndWritesResume) {
  test::local_cluster cluster{3, shards, 3, GetParam().extra};
  cluster.start_all();
  client::runtime rt{cluster.transport()};
  client::session s{rt, cluster.client_options()};
  auto leader = await_leader(s, 0);
  ASSERT_TRUE(leader.has_value()) << "shard 0 elected no leader within 20 s";

  std::map<std::string, std::string> acked;
  for (int i = 0; i < 200; ++i) {
    auto k = key_in_shard(i % shards, i);
    auto r = s.put(k, "v" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << k << ": " << r.error;
    acked[k] = "v" + std::to_string(i);
  }

  cluster.kill9(*leader);
  auto killed_at = clock_type::now();
  // Writes to the dead leader's shard resume without a hand touching anything.
  auto probe = key_in_shard(0, 100000);
  client::session writer{rt, cluster.client_options(1000)};
  bool resumed = false;
  while (clock_type::now() - killed_at < 20s) {
    if (writer.put(probe, "after-failover").ok()) {
      resumed = true;
      break;
    }
  }
  ASSERT_TRUE(resumed) << "no write to shard 0 was acknowledged within 20 s of kill -9";
  auto failover_ms
    = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - killed_at).count();
  std::cout << "[ FIGURE ] failover: kill -9 of leader " << *leader
            << " to first acknowledged write: " << failover_ms << " ms" << std::endl;
  acked[probe] = "after-failover";
  for (int i = 200; i < 300; ++i) {
    auto k = key_in_shard(i % shards, i);
    auto r = s.put(k, "v" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << k << ": " << r.error;
    acked[k] = "v" + std::to_string(i);
  }

  // The old leader comes back and catches up by itself.
  ASSERT_TRUE(cluster.start(*leader));
  for (uint32_t shard = 0; shard < shards; ++shard)
    EXPECT_TRUE(test::eventually([&] { return converged(s, shard); }, 30s))
      << "shard " << shard << " did not converge";
  test::expect_values(s, acked);
}

INSTANTIATE_TEST_SUITE_P(Replication, ReplicationWithLogSync,
                         ::testing::Values(LogSync{"on_the_scheduler", ""},
                                           LogSync{"on_a_thread_of_its_own",
                                                   "log_sync_thread = true\n"}),
                         [](const auto& info) { return std::string{info.param.name}; });

// A counter of `node`'s metrics, summed over its labels (0 and a test
// failure if they cannot be read).
double counter_of(client::session& s, const std::string& node, const std::string& name) {
  auto m = s.metrics(*s.find_endpoint(node));
  EXPECT_TRUE(m.ok()) << node << ": " << m.error;
  if (!m.ok())
    return 0;
  auto fams = metrics::parse_exposition(m.value->exposition());
  EXPECT_TRUE(fams.ok()) << node << ": invalid exposition";
  return fams.ok() ? metrics::sum_values(fams.value(), name, {}) : 0;
}

TEST(Replication, RestartedNodeCatchesUpFromASnapshot) {
  test::local_cluster cluster{3, shards, 3, "[raft]\nsnapshot_entries = 20\n"};
  cluster.start_all();
  client::runtime rt{cluster.transport()};
  client::session s{rt, cluster.client_options()};
  ASSERT_TRUE(test::eventually([&] { return leader_of(s, 1).has_value(); }, 20s));
  // n3 misses a few hundred writes; the others compact their logs meanwhile.
  cluster.kill9("n3");
  std::map<std::string, std::string> acked;
  for (int i = 0; i < 300; ++i) {
    auto k = key_in_shard(i % shards, i);
    auto r = s.put(k, "v" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << k << ": " << r.error;
    acked[k] = "v" + std::to_string(i);
  }
  ASSERT_TRUE(cluster.start("n3"));
  ASSERT_TRUE(test::eventually(
    [&] {
      for (uint32_t shard = 0; shard < shards; ++shard) {
        auto a = applied_of(s, shard);
        if (a.size() != 3 || a["n3"] < a["n1"] || a["n3"] < a["n2"])
          return false;
      }
      return true;
    },
    30s))
    << "n3 did not catch up";
  // n3 now holds the data: with n1 gone, n2 and n3 form the majority.
  auto sent_by_n1 = counter_of(s, "n1", "keel_raft_snapshots_sent_total");
  cluster.kill9("n1");
  client::session after{rt, cluster.client_options(20000)};
  test::expect_values(after, acked);
  // The log it missed was compacted: it came back through InstallSnapshot,
  // the leader reading its store out for it (the store is the snapshot).
  EXPECT_GT(counter_of(after, "n3", "keel_raft_snapshots_installed_total"), 0);
  EXPECT_GT(counter_of(after, "n2", "keel_raft_snapshots_sent_total") + sent_by_n1, 0)
    << "no leader sent a snapshot";
}

TEST(Replication, SigtermOfALeaderHandsLeadershipOverFirst) {
  test::local_cluster cluster{3, shards, 3};
  cluster.start_all();
  client::runtime rt{cluster.transport()};
  client::session s{rt, cluster.client_options()};
  auto leader = await_leader(s, 0);
  ASSERT_TRUE(leader.has_value()) << "shard 0 elected no leader within 20 s";
  for (int i = 0; i < 30; ++i)
    ASSERT_TRUE(s.put(key_in_shard(0, i), "v").ok());
  EXPECT_EQ(cluster.terminate(*leader), 0);
  // The transfer happened before the node went away (its log says so) and
  // the shard has a new leader without waiting for an election timeout.
  std::ifstream log(cluster.node_dir(*leader) + "/keel-node.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("shard=0 handing leadership to"), std::string::npos);
  auto next = leader_of(s, 0);
  ASSERT_TRUE(next.has_value());
  EXPECT_NE(*next, *leader);
  for (int i = 0; i < 30; ++i) {
    auto r = s.get(key_in_shard(0, i));
    EXPECT_TRUE(r.ok()) << r.error;
  }
}

// Waits until every replica of every shard reports the same applied index.
bool converged(client::session& s, std::chrono::milliseconds deadline) {
  return test::eventually(
    [&] {
      for (uint32_t shard = 0; shard < shards; ++shard) {
        auto a = applied_of(s, shard);
        if (a.size() != 3)
          return false;
        auto first = a.begin()->second;
        if (!std::all_of(a.begin(), a.end(), [&](auto& p) { return p.second == first; }))
          return false;
      }
      return true;
    },
    deadline);
}

// Writes to shard 0 keep being acknowledged while `leader` is cut off (and it
// is no longer the leader the others report); every acknowledged write is
// still there once the cluster is whole again.
void survive_losing(test::local_cluster& cluster, client::runtime& rt, const std::string& leader,
                    const std::function<void()>& cut, const std::function<void()>& restore) {
  client::session s{rt, cluster.client_options()};
  std::map<std::string, std::string> acked;
  for (int i = 0; i < 30; ++i) {
    auto k = key_in_shard(0, i);
    ASSERT_TRUE(s.put(k, "before").ok());
    acked[k] = "before";
  }
  // A failure detector can only suspect a node it has heard from: every node
  // must have heard from every other before the fault (on TLS the last peer
  // links can still be coming up right after the first writes).
  ASSERT_TRUE(test::eventually(
    [&] {
      for (auto& m : s.members_all()) {
        if (!m.ok())
          return false;
        for (auto& p : m.value->nodes())
          if (!p.self() && (!p.connected() || p.verdict() != "alive"))
            return false;
      }
      return true;
    },
    10s))
    << "the nodes never all heard from each other";
  cut();
  client::session writer{rt, cluster.client_options(15000)};
  for (int i = 30; i < 60; ++i) {
    auto k = key_in_shard(0, i);
    auto r = writer.put(k, "during");
    ASSERT_TRUE(r.ok()) << k << ": " << client::to_string(r.outcome) << ": " << r.error;
    acked[k] = "during";
  }
  // The majority elected another leader while `leader` was cut off.
  auto others = cluster.client_options();
  std::erase_if(others.endpoints, [&](auto& e) { return e.node_id == leader; });
  client::session majority{rt, others};
  auto during = leader_of(majority, 0);
  ASSERT_TRUE(during.has_value());
  EXPECT_NE(*during, leader);
  // ...and their failure detectors suspect it.
  std::string last_view;
  EXPECT_TRUE(test::eventually(
    [&] {
      auto m = majority.members(0);
      if (!m.ok()) {
        last_view = "no members view: " + m.error;
        return false;
      }
      for (auto& p : m.value->nodes())
        if (p.node_id() == leader) {
          last_view = m.value->node_id() + " sees " + leader + ": verdict " + p.verdict() + ", phi "
                      + std::to_string(p.phi()) + ", suspected "
                      + std::to_string(p.times_suspected()) + "x, connected "
                      + std::to_string(p.connected()) + ", received "
                      + std::to_string(p.messages_received());
          return p.verdict() == "suspect" && p.times_suspected() >= 1;
        }
      return false;
    },
    10s))
    << last_view;
  restore();
  ASSERT_TRUE(converged(s, 30s)) << "the cluster did not converge after the fault ended";
  auto now = leader_of(s, 0);
  ASSERT_TRUE(now.has_value());
  test::expect_values(s, acked);
}

// Starts a 3-node cluster and runs survive_losing() with faults that take
// the leader of shard 0 away (`cut`) and bring it back (`restore`).
using fault_step = std::function<void(test::local_cluster&, const std::string& leader)>;
void leader_fault_scenario(const fault_step& cut, const fault_step& restore) {
  test::local_cluster cluster{3, shards, 3};
  cluster.start_all();
  client::runtime rt{cluster.transport()};
  client::session s{rt, cluster.client_options()};
  auto leader = await_leader(s, 0);
  ASSERT_TRUE(leader.has_value()) << "shard 0 elected no leader within 20 s";
  survive_losing(
    cluster, rt, *leader, [&] { cut(cluster, *leader); }, [&] { restore(cluster, *leader); });
}

TEST(Replication, PartitionedLeaderIsReplacedAndRejoinsAfterHeal) {
  leader_fault_scenario(
    [](test::local_cluster& cluster, const std::string& leader) {
      for (auto& other : cluster.node_ids()) {
        if (other != leader) {
          ASSERT_EQ(cluster.keelctl({"fault", "partition", leader, other}).code, 0);
        }
      }
    },
    [](test::local_cluster& cluster, const std::string&) {
      ASSERT_EQ(cluster.keelctl({"fault", "heal"}).code, 0);
    });
}

TEST(Replication, PausedLeaderIsReplacedAndCatchesUpAfterResume) {
  leader_fault_scenario(
    [](test::local_cluster& cluster, const std::string& leader) { cluster.pause(leader); },
    [](test::local_cluster& cluster, const std::string& leader) { cluster.resume(leader); });
}

TEST(Replication, SerializableReadsAreServedWhereNoMajorityIsLeft) {
  // kv.proto, Get: a serializable read is answered by any replica from what
  // it applied; a linearizable one needs the shard's leader and a majority.
  test::local_cluster cluster{3, shards, 3};
  cluster.start_all();
  client::runtime rt{cluster.transport()};
  client::session s{rt, cluster.client_options()};
  auto leader = await_leader(s, 0);
  ASSERT_TRUE(leader.has_value());
  auto key = key_in_shard(0, 1);
  ASSERT_TRUE(s.put(key, "before").ok());
  // Every replica applied it (the put's commit reaches the followers with
  // the next heartbeat), so the survivor below holds it.
  ASSERT_TRUE(test::eventually([&] { return converged(s, 0); }, 20s));
  auto read = cluster.keelctl({"get", "--serializable", key});
  EXPECT_EQ(read.code, 0) << read.err;
  EXPECT_EQ(read.out, "before\n");

  // The leader and one follower go: the survivor is a follower with no
  // majority to elect anyone.
  cluster.kill9(*leader);
  for (auto& id : cluster.node_ids())
    if (id != *leader) {
      cluster.kill9(id);
      break;
    }
  read = cluster.keelctl({"--timeout", "3000", "get", "--serializable", key});
  EXPECT_EQ(read.code, 0) << read.err;
  EXPECT_EQ(read.out, "before\n");
  auto json = cluster.keelctl({"--timeout", "3000", "--json", "get", "--serializable", key});
  EXPECT_NE(json.out.find("\"consistency\":\"serializable\""), std::string::npos) << json.out;
  // Without a majority a linearizable read cannot be served: exit 3
  // (unavailable, contract), never a possibly stale value.
  auto linearizable = cluster.keelctl({"--timeout", "1500", "get", key});
  EXPECT_EQ(linearizable.code, 3) << linearizable.out << linearizable.err;
  EXPECT_EQ(linearizable.out, "");
}

// The placements of [cluster] leader_placement, end to end: whichever node
// wins the first elections, the balancer hands each shard to the node the
// placement prefers once that node is caught up.
std::set<std::string> leaders_of_every_shard(client::session& s) {
  std::set<std::string> leaders;
  for (uint32_t shard = 0; shard < shards; ++shard)
    if (auto l = leader_of(s, shard))
      leaders.insert(*l);
    else
      return {};
  return leaders;
}

TEST(Replication, LeadershipSpreadsOverTheNodesWhenAskedTo) {
  test::local_cluster cluster{3, shards, 3, "leader_placement = \"spread\"\n"};
  cluster.start_all();
  client::runtime rt{cluster.transport()};
  client::session s{rt, cluster.client_options()};
  // Shard s prefers node (s mod 3) + 1.
  EXPECT_TRUE(test::eventually([&] { return leaders_of_every_shard(s).size() == 3; }, 30s));
}

TEST(Replication, LeadershipPacksOntoTheFirstNodeByDefault) {
  test::local_cluster cluster{3, shards, 3};
  cluster.start_all();
  client::runtime rt{cluster.transport()};
  client::session s{rt, cluster.client_options()};
  EXPECT_TRUE(test::eventually(
    [&] { return leaders_of_every_shard(s) == std::set<std::string>{"n1"}; }, 30s));
  // Without n1 the shards fail over and keep serving; back and caught up, n1
  // leads them all again.
  cluster.kill9("n1");
  EXPECT_TRUE(test::eventually(
    [&] {
      auto leaders = leaders_of_every_shard(s);
      return !leaders.empty() && !leaders.contains("n1");
    },
    30s));
  ASSERT_TRUE(s.put(key_in_shard(1, 7), "while n1 was down").ok());
  ASSERT_TRUE(cluster.start("n1"));
  EXPECT_TRUE(test::eventually(
    [&] { return leaders_of_every_shard(s) == std::set<std::string>{"n1"}; }, 30s));
}

} // namespace
