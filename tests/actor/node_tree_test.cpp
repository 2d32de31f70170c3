// The node tree (actors/node/node_tree.hpp) under CAF's deterministic test
// coordinator, the way the whole-node simulation runs it: storage actors on
// the scheduler, a substituted connector, no published port. A supervisor
// per shard restarts the replica with its storage actor (rest_for_one) and
// the replica alone when only it fails; the other shard never notices, and
// the restarted shard serves again through the node's service.
#include "../unit/storage_test_dir.hpp"
#include "actors/lookup.hpp"
#include "actors/node/node_tree.hpp"
#include "actors/paths.hpp"
#include "actors/security/core/trust.hpp"
#include "apps/common/cluster_config.hpp"
#include "ask_kv.hpp"
#include "caf_gtest_dsl.hpp"
#include "keel_test_config.hpp"
#include "supervisors/directory.hpp"
#include "test_trust.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;

constexpr std::string_view one_node = R"(
[cluster]
shards = 2
replication_factor = 1
fault_injection = true

[[node]]
id = "n1"
host = "127.0.0.1"
port = 7101
peer_port = 7201
)";

config::cluster_config parse_ok() {
  auto parsed = config::parse_cluster_config(one_node, "test.conf", "/tmp");
  if (!parsed) {
    ADD_FAILURE() << parsed.error().to_string();
    return {};
  }
  return *parsed;
}

// A network with no other node: every connection attempt stays unanswered.
caf::behavior silent_connector() {
  return {[](caf::connect_atom, const std::string&, uint16_t) {}};
}

struct NodeTree : storage::test::dir_holder,
                  ::testing::Test,
                  test_coordinator_fixture<test::keel_config> {
  config::cluster_config cfg = parse_ok();
  std::shared_ptr<storage::engine> db{storage::test::open_ok(tmp.sub("db"), "n1", 2)};
  std::shared_ptr<sup::directory> dir = std::make_shared<sup::directory>();
  std::string root_path = paths::root("n1");
  caf::actor root;

  NodeTree() {
    node::node_tree_options opts;
    opts.storage_mode = storage::spawn_mode::scheduler;
    opts.connector = sys.spawn(silent_connector);
    opts.publish = false;
    root = node::spawn_node_tree(sys, cfg, cfg.nodes.front(), db, dir,
                                 keel::test::secret_trust('s'), opts);
    settle();
  }

  ~NodeTree() override {
    anon_send_exit(root, caf::exit_reason::user_shutdown);
    settle();
  }

  // Runs everything due, advancing the virtual clock by ticks.
  void settle(int ticks = 50) {
    for (int i = 0; i < ticks; ++i) {
      sched.run();
      sched.advance_time(10ms);
    }
    sched.run();
  }

  caf::actor_id id_at(const std::string& path) const {
    auto a = dir->get(path);
    return a ? a.id() : 0;
  }

  kv::Response ask(kv::Request req) {
    auto service = lookup::service(*dir, root_path);
    EXPECT_TRUE(service);
    return keel::testing::ask_kv(self, sched, service, std::move(req), 100);
  }

  // The first of k0, k1, ... that lives on `shard`.
  std::string key_of(uint32_t shard) const {
    std::string key;
    for (int i = 0; config::shard_of(key = "k" + std::to_string(i), cfg.shards) != shard; ++i) {
    }
    return key;
  }

  // A write then a read of key_of(shard) through the service.
  void serves(uint32_t shard, const std::string& value) {
    auto key = key_of(shard);
    kv::Request put;
    put.mutable_put()->set_key(key);
    put.mutable_put()->set_value(value);
    auto w = ask(put);
    ASSERT_EQ(w.status(), kv::STATUS_OK) << "shard " << shard << ": " << w.error();
    kv::Request get;
    get.mutable_get()->set_key(key);
    auto r = ask(get);
    ASSERT_EQ(r.status(), kv::STATUS_OK) << "shard " << shard << ": " << r.error();
    EXPECT_EQ(r.value(), value);
  }
};

TEST_F(NodeTree, HasASupervisorPerShardOverItsStorageActorAndReplica) {
  for (uint32_t shard = 0; shard < 2; ++shard) {
    EXPECT_TRUE(dir->get(paths::shard(root_path, shard))) << shard;
    EXPECT_TRUE(dir->get(paths::storage(root_path, shard))) << shard;
    EXPECT_TRUE(dir->get(paths::replica(root_path, shard))) << shard;
  }
  EXPECT_TRUE(dir->get(paths::transport(root_path)));
  EXPECT_TRUE(dir->get(paths::peer_gate(root_path)));
  EXPECT_TRUE(dir->get(paths::log_syncer(root_path)));
  EXPECT_TRUE(dir->get(paths::membership(root_path)));
  EXPECT_TRUE(dir->get(paths::service(root_path)));
  serves(0, "a");
  serves(1, "b");
}

TEST_F(NodeTree, AStorageActorCrashRestartsItsReplicaAndNotTheOtherShard) {
  serves(0, "before");
  auto storage0 = id_at(paths::storage(root_path, 0));
  auto replica0 = id_at(paths::replica(root_path, 0));
  auto storage1 = id_at(paths::storage(root_path, 1));
  auto replica1 = id_at(paths::replica(root_path, 1));
  anon_send_exit(dir->get(paths::storage(root_path, 0)), caf::exit_reason::kill);
  settle();
  EXPECT_NE(id_at(paths::storage(root_path, 0)), 0u);
  EXPECT_NE(id_at(paths::storage(root_path, 0)), storage0);
  EXPECT_NE(id_at(paths::replica(root_path, 0)), 0u);
  EXPECT_NE(id_at(paths::replica(root_path, 0)), replica0)
    << "the replica outlived its storage actor";
  EXPECT_EQ(id_at(paths::storage(root_path, 1)), storage1);
  EXPECT_EQ(id_at(paths::replica(root_path, 1)), replica1);
  // The new replica persists and applies through the new storage actor.
  serves(0, "after");
}

// Every shard's persists are answered by the log syncer, so the root's
// rest_for_one restarts every shard with it (and the monitor and service
// after them), and the transport before it keeps running. The new shards
// persist through the new syncer, and what was acknowledged before is there.
TEST_F(NodeTree, ALogSyncerCrashRestartsEveryShardAndNotTheTransport) {
  serves(0, "before-0");
  serves(1, "before-1");
  auto syncer = id_at(paths::log_syncer(root_path));
  auto transport = id_at(paths::transport(root_path));
  auto storage0 = id_at(paths::storage(root_path, 0));
  auto replica1 = id_at(paths::replica(root_path, 1));
  anon_send_exit(dir->get(paths::log_syncer(root_path)), caf::exit_reason::kill);
  settle();
  EXPECT_NE(id_at(paths::log_syncer(root_path)), 0u);
  EXPECT_NE(id_at(paths::log_syncer(root_path)), syncer);
  EXPECT_EQ(id_at(paths::transport(root_path)), transport);
  EXPECT_NE(id_at(paths::storage(root_path, 0)), 0u);
  EXPECT_NE(id_at(paths::storage(root_path, 0)), storage0) << "a storage actor kept a dead syncer";
  EXPECT_NE(id_at(paths::replica(root_path, 1)), 0u);
  EXPECT_NE(id_at(paths::replica(root_path, 1)), replica1);
  for (auto [shard, value] : {std::pair{0u, "before-0"}, std::pair{1u, "before-1"}}) {
    kv::Request get;
    get.mutable_get()->set_key(key_of(shard));
    auto r = ask(get);
    ASSERT_EQ(r.status(), kv::STATUS_OK) << "shard " << shard << ": " << r.error();
    EXPECT_EQ(r.value(), value);
  }
  serves(0, "after-0");
  serves(1, "after-1");
}

TEST_F(NodeTree, AReplicaCrashRestartsTheReplicaAlone) {
  serves(0, "before");
  auto storage0 = id_at(paths::storage(root_path, 0));
  auto replica0 = id_at(paths::replica(root_path, 0));
  anon_send_exit(dir->get(paths::replica(root_path, 0)), caf::exit_reason::kill);
  settle();
  EXPECT_EQ(id_at(paths::storage(root_path, 0)), storage0);
  EXPECT_NE(id_at(paths::replica(root_path, 0)), 0u);
  EXPECT_NE(id_at(paths::replica(root_path, 0)), replica0);
  serves(0, "after");
}

} // namespace
