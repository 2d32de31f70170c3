// System tests of one keel-node process (real binaries, 127.0.0.1): durability
// across kill -9, supervision under injected crashes, start-up refusals, and
// keelctl's exit codes.
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "actors/client/client.hpp"
#include "local_cluster.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// The restart count of the actor at `path` in a node's tree, or -1.
int restart_count(const admin::ActorInfo& a, const std::string& path) {
  if (a.path() == path)
    return static_cast<int>(a.restart_count());
  for (auto& c : a.children())
    if (auto n = restart_count(c, path); n >= 0)
      return n;
  return -1;
}

TEST(SingleNode, KillNineKeepsEveryAcknowledgedWrite) {
  test::local_cluster cluster{1, 4, 1};
  ASSERT_TRUE(cluster.start("n1"));
  client::runtime rt{cluster.transport()};
  std::map<std::string, std::optional<std::string>> expected;
  {
    client::session s{rt, cluster.client_options()};
    for (int i = 0; i < 1000; ++i) {
      auto k = "key-" + std::to_string(i);
      ASSERT_TRUE(s.put(k, "v1-" + std::to_string(i)).ok()) << k;
      expected[k] = "v1-" + std::to_string(i);
    }
    for (int i = 0; i < 1000; i += 7) { // overwrite some
      auto k = "key-" + std::to_string(i);
      ASSERT_TRUE(s.put(k, "v2-" + std::to_string(i)).ok()) << k;
      expected[k] = "v2-" + std::to_string(i);
    }
    for (int i = 3; i < 1000; i += 50) { // delete some
      auto k = "key-" + std::to_string(i);
      ASSERT_TRUE(s.del(k).ok()) << k;
      expected[k] = std::nullopt;
    }
  }
  cluster.kill9("n1");
  ASSERT_TRUE(cluster.start("n1"));
  client::session s{rt, cluster.client_options()};
  for (auto& [k, v] : expected) {
    auto r = s.get(k);
    if (v) {
      ASSERT_EQ(r.outcome, client::outcome::ok) << k << ": " << r.error;
      EXPECT_EQ(r.value, v) << k;
    } else {
      EXPECT_EQ(r.outcome, client::outcome::not_found) << k;
    }
  }
}

TEST(SingleNode, StorageCrashUnderWritesLosesNothing) {
  test::local_cluster cluster{1, 1, 1};
  ASSERT_TRUE(cluster.start("n1"));
  client::runtime rt{cluster.transport()};
  std::atomic<bool> stop{false};
  std::atomic<size_t> acked_count{0};
  std::vector<std::string> acked; // written by the writer only until it is joined
  std::thread writer{[&] {
    client::session s{rt, cluster.client_options()};
    for (int i = 0; !stop && i < 100000; ++i) {
      auto k = "w-" + std::to_string(i);
      if (s.put(k, "value-" + std::to_string(i)).ok()) {
        acked.push_back(k);
        ++acked_count;
      }
    }
  }};
  // A failed ASSERT returns early: stop and join the writer on every path.
  std::unique_ptr<void, std::function<void(void*)>> join_writer{&writer, [&](void*) {
                                                                  stop = true;
                                                                  if (writer.joinable())
                                                                    writer.join();
                                                                }};
  client::session admin{rt, cluster.client_options()};
  const std::string path = "/n1/shards/shard-0/storage";
  for (int crash = 1; crash <= 3; ++crash) {
    ASSERT_TRUE(test::eventually([&] { return acked_count >= crash * 50u; }, 20s));
    auto r = cluster.keelctl({"fault", "crash", "n1", path});
    ASSERT_EQ(r.code, 0) << r.err;
    ASSERT_TRUE(test::eventually(
      [&] {
        auto t = admin.tree(0);
        return t.ok() && restart_count(t.value->root(), path) >= crash;
      },
      20s))
      << "the storage actor was not restarted after crash " << crash;
  }
  // The node keeps serving: the writer makes progress after the last crash.
  size_t before = acked_count;
  EXPECT_TRUE(test::eventually([&] { return acked_count >= before + 50; }, 20s));
  join_writer.reset();
  for (auto& k : acked) {
    auto r = admin.get(k);
    ASSERT_EQ(r.outcome, client::outcome::ok) << k << ": " << r.error;
    EXPECT_EQ(*r.value, "value-" + k.substr(2));
  }
  auto tree = cluster.keelctl({"tree", "--node", "n1"});
  EXPECT_EQ(tree.code, 0) << tree.err;
  EXPECT_NE(tree.out.find(path), std::string::npos) << tree.out;
}

TEST(SingleNode, SigtermStopsTheTreeAndExitsZero) {
  test::local_cluster cluster{1, 2, 1};
  ASSERT_TRUE(cluster.start("n1"));
  EXPECT_EQ(cluster.keelctl({"put", "a", "b"}).code, 0);
  EXPECT_EQ(cluster.terminate("n1"), 0);
  EXPECT_FALSE(fs::exists(cluster.node_dir("n1") + "/keel-node.pid"));
  // The same port can be taken again at once (SO_REUSEADDR on every publish).
  ASSERT_TRUE(cluster.start("n1"));
  auto r = cluster.keelctl({"get", "a"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "b\n");
}

TEST(SingleNode, CorruptDataDirectoryStopsTheNodeNamingTheFile) {
  test::local_cluster cluster{1, 1, 1};
  ASSERT_TRUE(cluster.start("n1"));
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(cluster.keelctl({"put", "k" + std::to_string(i), std::string(200, 'x')}).code, 0);
  cluster.kill9("n1");
  // Garble the middle of every write-ahead log file.
  std::string victim;
  for (auto& f : fs::directory_iterator(cluster.node_dir("n1") + "/db")) {
    if (f.path().extension() == ".log" && fs::file_size(f.path()) > 100) {
      std::fstream io(f.path(), std::ios::in | std::ios::out | std::ios::binary);
      io.seekp(static_cast<std::streamoff>(fs::file_size(f.path()) / 2));
      io << std::string(64, '\xA5');
      victim = f.path().filename().string();
    }
  }
  ASSERT_FALSE(victim.empty()) << "no write-ahead log to corrupt";
  auto r = cluster.start_expecting_exit("n1");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find(victim), std::string::npos) << r.err;
}

TEST(SingleNode, BadConfigIsRefusedWithItsLineAndSetting) {
  test::local_cluster cluster{1, 1, 1};
  {
    std::ofstream conf(cluster.config_path(), std::ios::app);
    conf << "[timing]\nelection_ticks = \"soon\"\n";
  }
  auto r = cluster.start_expecting_exit("n1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("election_ticks"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cluster.conf:"), std::string::npos) << r.err;
  auto unknown = test::run_program(std::string(KEEL_BIN_DIR) + "/keel-node",
                                   {"--config", cluster.config_path(), "--node", "n9"}, 10s);
  EXPECT_EQ(unknown.code, 2);
}

TEST(SingleNode, KeelctlExitCodesFollowTheContract) {
  test::local_cluster cluster{1, 2, 1, "[limits]\nmax_value_bytes = 1000\n"};
  ASSERT_TRUE(cluster.start("n1"));
  EXPECT_EQ(cluster.keelctl({"get", "missing"}).code, 1);
  EXPECT_EQ(cluster.keelctl({"put", "k", "v1"}).code, 0);
  EXPECT_EQ(cluster.keelctl({"cas", "k", "v1", "v2"}).code, 0);
  EXPECT_EQ(cluster.keelctl({"cas", "k", "v1", "v3"}).code, 1);
  EXPECT_EQ(cluster.keelctl({"cas", "--absent", "k", "v4"}).code, 1);
  EXPECT_EQ(cluster.keelctl({"cas", "--absent", "new", "v"}).code, 0);
  EXPECT_EQ(cluster.keelctl({"del", "new"}).code, 0);
  EXPECT_EQ(cluster.keelctl({"del", "new"}).code, 1);
  EXPECT_EQ(cluster.keelctl({"put"}).code, 2);                                // usage
  EXPECT_EQ(cluster.keelctl({"put", "big", std::string(2000, 'x')}).code, 2); // over the limit
  EXPECT_EQ(cluster.keelctl({"tree", "--node", "n7"}).code, 2);               // unknown node
  auto r = cluster.keelctl({"get", "k"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "v2\n");
  cluster.kill9("n1");
  auto down = cluster.keelctl({"--timeout", "2000", "put", "k", "v5"});
  EXPECT_EQ(down.code, 3) << down.err; // connection refused: definitely not applied
  EXPECT_FALSE(down.err.empty());
}

TEST(SingleNode, PutReadsItsValueFromStandardInputOrAFile) {
  test::local_cluster cluster{1, 2, 1, "[limits]\nmax_value_bytes = 100000\n"};
  ASSERT_TRUE(cluster.start("n1"));
  // Any bytes, a NUL and newlines included, and more than fits comfortably
  // in an argument list.
  std::string value = "line one\nline two\n";
  value.push_back('\0');
  value += std::string(90'000, 'v');
  auto file = cluster.dir() + "/value.bin";
  std::ofstream{file, std::ios::binary} << value;
  auto keelctl = std::string{KEEL_BIN_DIR} + "/keelctl --config " + cluster.config_path();
  auto piped = test::run_program("/bin/sh", {"-c", keelctl + " put piped - < " + file}, 30s);
  EXPECT_EQ(piped.code, 0) << piped.err;
  EXPECT_EQ(cluster.keelctl({"put", "filed", "--file", file}).code, 0);
  for (auto key : {"piped", "filed"}) {
    auto r = cluster.keelctl({"get", key});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, value + "\n") << key;
  }

  // Too large, missing, or both sources: a usage error, nothing sent.
  std::ofstream{file, std::ios::binary | std::ios::app} << std::string(20'000, 'x');
  auto big = test::run_program("/bin/sh", {"-c", keelctl + " put piped - < " + file}, 30s);
  EXPECT_EQ(big.code, 2);
  EXPECT_NE(big.err.find("on standard input is larger than limits.max_value_bytes (100000"),
            std::string::npos)
    << big.err;
  auto too_big = cluster.keelctl({"put", "filed", "--file", file});
  EXPECT_EQ(too_big.code, 2);
  EXPECT_NE(too_big.err.find("in file " + file + " is larger"), std::string::npos) << too_big.err;
  EXPECT_EQ(cluster.keelctl({"put", "x", "--file", cluster.dir() + "/none"}).code, 2);
  EXPECT_EQ(cluster.keelctl({"put", "x", "v", "--file", file}).code, 2);
  EXPECT_EQ(cluster.keelctl({"put", "x"}).code, 2);
  EXPECT_EQ(cluster.keelctl({"get", "piped"}).out, value + "\n"); // unchanged
}

} // namespace
