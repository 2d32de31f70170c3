// System tests of supervision (docs/supervision.md, cases a-f): a 3-node
// cluster with every shard on every node, a writer that keeps writing while
// `keelctl fault crash` (or kill -9) hits one node, and after each fault the
// proof that the cluster kept serving (writes acknowledged after the fault)
// and lost no acknowledged write (every one read back), plus the tree showing
// that exactly what the strategy says was restarted.
#include <algorithm>
#include <atomic>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "actors/client/client.hpp"
#include "actors/paths.hpp"
#include "local_cluster.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;

constexpr int supervised_shards = 3;

const admin::ActorInfo* find(const admin::ActorInfo& a, const std::string& path) {
  if (a.path() == path)
    return &a;
  for (auto& c : a.children())
    if (auto* found = find(c, path))
      return found;
  return nullptr;
}

// Writes unique keys over every shard until stopped, remembering those that
// were acknowledged. An unknown outcome is not remembered: only what the
// cluster acknowledged must survive.
class writer {
public:
  writer(client::runtime& rt, const test::local_cluster& c)
    : session_(rt, c.client_options(3000)),
      thread_([this] { run(); }) {}

  ~writer() { stop(); }

  void stop() {
    done_ = true;
    if (thread_.joinable())
      thread_.join();
  }

  size_t acked() const { return count_; }

  // Waits until `n` more writes than now were acknowledged.
  bool progresses(size_t n, std::chrono::milliseconds deadline) const {
    auto target = count_.load() + n;
    return test::eventually([&] { return count_.load() >= target; }, deadline);
  }

  std::map<std::string, std::string> acknowledged() const {
    std::lock_guard guard{mtx_};
    return acked_;
  }

private:
  void run() {
    for (uint64_t i = 0; !done_; ++i) {
      auto k = "w-" + std::to_string(i);
      auto v = "value-" + std::to_string(i);
      if (session_.put(k, v).ok()) {
        std::lock_guard guard{mtx_};
        acked_[k] = v;
        ++count_;
      }
    }
  }

  client::session session_;
  mutable std::mutex mtx_;
  std::map<std::string, std::string> acked_; // guarded by mtx_
  std::atomic<size_t> count_{0};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

struct Supervision : ::testing::Test {
  test::local_cluster cluster{3, supervised_shards, 3};
  std::unique_ptr<client::runtime> rt;
  std::unique_ptr<client::session> admin;
  std::unique_ptr<writer> w;

  void SetUp() override {
    cluster.start_all();
    rt = std::make_unique<client::runtime>(cluster.transport());
    admin = std::make_unique<client::session>(*rt, cluster.client_options(10000));
    for (uint32_t shard = 0; shard < supervised_shards; ++shard)
      ASSERT_TRUE(leader_of(shard).has_value()) << "shard " << shard << " has no leader";
    w = std::make_unique<writer>(*rt, cluster);
    // Writes before the fault.
    ASSERT_TRUE(w->progresses(100, 30s)) << "the cluster does not take writes";
  }

  void TearDown() override {
    if (w)
      w->stop();
  }

  size_t index_of(const std::string& node) const {
    auto ids = cluster.node_ids();
    return static_cast<size_t>(std::find(ids.begin(), ids.end(), node) - ids.begin());
  }

  // The leader of `shard` once the answering nodes agree on one (20 s at most).
  std::optional<std::string> leader_of(uint32_t shard) {
    std::optional<std::string> leader;
    test::eventually(
      [&] {
        std::set<std::string> leaders;
        for (auto& st : admin->status_all())
          if (st.ok())
            for (auto& sh : st.value->shards())
              if (sh.shard() == shard && sh.role() == "leader")
                leaders.insert(st.value->node_id());
        if (leaders.size() == 1)
          leader = *leaders.begin();
        return leaders.size() == 1;
      },
      20s);
    return leader;
  }

  // The actor at `path` in the live tree of `node`, copied; nullopt if the
  // node does not answer or has no such path.
  std::optional<admin::ActorInfo> actor(const std::string& node, const std::string& path) {
    auto t = admin->tree(index_of(node));
    if (!t.ok())
      return std::nullopt;
    auto* a = find(t.value->root(), path);
    if (a == nullptr)
      return std::nullopt;
    return *a;
  }

  int restarts(const std::string& node, const std::string& path) {
    auto a = actor(node, path);
    return a ? static_cast<int>(a->restart_count()) : -1;
  }

  // Waits until the actor at `path` runs after at least `n` restarts.
  bool restarted(const std::string& node, const std::string& path, int n) {
    return test::eventually(
      [&] {
        auto a = actor(node, path);
        return a && a->running() && static_cast<int>(a->restart_count()) >= n;
      },
      20s);
  }

  // keelctl retries nothing that may have been applied; a request that
  // certainly never arrived ("not applied", e.g. a handshake that timed out
  // on a loaded machine) is sent again.
  void crash(const std::string& node, const std::string& path) {
    test::run_result r;
    for (int attempt = 0; attempt < 3; ++attempt) {
      r = cluster.keelctl({"fault", "crash", node, path});
      if (r.code == 0 || (r.out + r.err).find("not applied") == std::string::npos)
        break;
    }
    ASSERT_EQ(r.code, 0) << r.out << r.err;
  }

  // The cluster kept serving: writes are acknowledged after the fault. Then
  // no acknowledged write was lost: each one reads back (linearizable reads).
  void expect_serving_and_nothing_lost() {
    ASSERT_TRUE(w->progresses(100, 30s)) << "writes did not resume after the fault";
    w->stop();
    auto acked = w->acknowledged();
    ASSERT_GE(acked.size(), 200u);
    std::cout << "[ FIGURE ] " << acked.size() << " acknowledged writes, all read back"
              << std::endl;
    test::expect_values(*admin, acked);
  }
};

// (a) A storage actor crashes: its shard's supervisor (rest_for_one) restarts
// it and then the replica after it, which reloads from disk. The other
// shards of the node are untouched.
TEST_F(Supervision, AStorageActorCrashRestartsItsReplicaAndNothingElse) {
  auto node = *leader_of(0);
  auto root = paths::root(node);
  crash(node, paths::storage(root, 0));
  ASSERT_TRUE(restarted(node, paths::storage(root, 0), 1));
  ASSERT_TRUE(restarted(node, paths::replica(root, 0), 1))
    << "the replica of shard 0 did not restart with its storage actor";
  EXPECT_EQ(restarts(node, paths::shard(root, 0)), 0) << "the shard supervisor gave up";
  EXPECT_EQ(restarts(node, paths::replica(root, 1)), 0);
  EXPECT_EQ(restarts(node, paths::storage(root, 1)), 0);
  EXPECT_EQ(restarts(node, paths::transport(root)), 0);
  expect_serving_and_nothing_lost();
}

// (b) A replica crashes: it alone restarts (it is the last child of its
// shard), reloading its state through the same storage actor.
TEST_F(Supervision, AReplicaCrashRestartsTheReplicaAlone) {
  auto node = *leader_of(0);
  auto root = paths::root(node);
  crash(node, paths::replica(root, 0));
  ASSERT_TRUE(restarted(node, paths::replica(root, 0), 1));
  EXPECT_EQ(restarts(node, paths::storage(root, 0)), 0)
    << "the storage actor restarted for its replica's crash";
  EXPECT_EQ(restarts(node, paths::replica(root, 1)), 0);
  expect_serving_and_nothing_lost();
}

// (c) The membership monitor crashes: the monitor supervisor restarts it and
// `members` answers again; no shard notices.
TEST_F(Supervision, AMembershipMonitorCrashRestartsOnlyTheMonitor) {
  auto node = *leader_of(0);
  auto root = paths::root(node);
  crash(node, paths::membership(root));
  ASSERT_TRUE(restarted(node, paths::membership(root), 1));
  EXPECT_TRUE(test::eventually([&] { return admin->members(index_of(node)).ok(); }, 10s))
    << "the restarted monitor does not answer members";
  for (uint32_t shard = 0; shard < supervised_shards; ++shard)
    EXPECT_EQ(restarts(node, paths::replica(root, shard)), 0);
  EXPECT_EQ(restarts(node, paths::transport(root)), 0);
  expect_serving_and_nothing_lost();
}

// (d) The transport crashes: its supervisor restarts it, it reconnects to the
// peers, and the node's replicas (not restarted) hear from their groups again.
TEST_F(Supervision, ATransportCrashRestartsTheTransportAndTheNodeRejoins) {
  auto node = *leader_of(0);
  auto root = paths::root(node);
  crash(node, paths::transport(root));
  ASSERT_TRUE(restarted(node, paths::transport(root), 1));
  for (uint32_t shard = 0; shard < supervised_shards; ++shard)
    EXPECT_EQ(restarts(node, paths::replica(root, shard)), 0);
  EXPECT_EQ(restarts(node, paths::peer_gate(root)), 0);
  expect_serving_and_nothing_lost();
  // The node is part of the cluster again: it applies what the others did.
  auto applied_everywhere = [&](uint32_t shard) {
    std::map<std::string, uint64_t> applied;
    for (auto& st : admin->status_all())
      if (st.ok())
        for (auto& sh : st.value->shards())
          if (sh.shard() == shard)
            applied[st.value->node_id()] = sh.applied_index();
    return applied.size() == 3 && applied.begin()->second == applied.rbegin()->second
           && applied.begin()->second == applied[node];
  };
  for (uint32_t shard = 0; shard < supervised_shards; ++shard)
    EXPECT_TRUE(test::eventually([&] { return applied_everywhere(shard); }, 20s))
      << "shard " << shard << " did not converge on " << node;
}

// (e) A whole node dies (kill -9): the other two elect leaders for its shards
// and keep serving; restarted, it catches up.
TEST_F(Supervision, AWholeNodeDiesAndTheOthersServe) {
  auto node = *leader_of(0);
  cluster.kill9(node);
  ASSERT_TRUE(w->progresses(100, 30s)) << "writes did not resume after kill -9 of " << node;
  ASSERT_TRUE(cluster.start(node));
  expect_serving_and_nothing_lost();
}

// (f) A shard's storage actor crashes more often than its supervisor's
// intensity allows (more than 5 restarts in 10 s): the shard supervisor gives
// up, and the shards supervisor starts the whole shard afresh. The node, its
// other shards and the cluster carry on.
TEST_F(Supervision, AShardSupervisorGivesUpAndItsParentStartsTheShardAfresh) {
  auto node = *leader_of(0);
  auto root = paths::root(node);
  auto storage = paths::storage(root, 0);
  for (int n = 1; n <= 6; ++n) {
    // Crash only a running incarnation: a crash request between two
    // incarnations would find no actor.
    ASSERT_TRUE(test::eventually(
      [&] {
        auto a = actor(node, storage);
        return a && a->running();
      },
      10s));
    crash(node, storage);
    // Wait for this crash to be handled (the next incarnation, or a fresh
    // shard supervisor after the last one) before the next.
    if (n < 6) {
      ASSERT_TRUE(restarted(node, storage, n)) << "crash " << n;
    }
  }
  ASSERT_TRUE(restarted(node, paths::shard(root, 0), 1))
    << "the shard supervisor did not give up, or its parent did not restart it";
  // The escalation stopped at the shards supervisor.
  EXPECT_EQ(restarts(node, root + "/" + paths::shards_id), 0);
  EXPECT_TRUE(cluster.running(node));
  EXPECT_EQ(restarts(node, paths::replica(root, 1)), 0);
  // A fresh shard supervisor: the counts start again.
  EXPECT_TRUE(restarted(node, storage, 0));
  expect_serving_and_nothing_lost();
}

} // namespace
