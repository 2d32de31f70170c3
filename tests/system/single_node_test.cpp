// System tests of one keel-node process (real binaries, 127.0.0.1): durability
// across kill -9, supervision under injected crashes, start-up refusals, and
// keelctl's exit codes.
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "actors/client/client.hpp"
#include "local_cluster.hpp"
#include "tests/support/text_lines.hpp"

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

// rest_for_one at the root: a crashed monitor restarts the service after it,
// which must publish on the port its predecessor has just given up (the close
// completes on the middleman's thread, so the first bind may find it taken).
TEST(SingleNode, CrashedMonitorRestartsTheServiceOnItsOwnPort) {
  test::local_cluster cluster{1, 1, 1};
  ASSERT_TRUE(cluster.start("n1"));
  ASSERT_TRUE(test::eventually([&] { return cluster.keelctl({"put", "k", "v0"}).code == 0; }, 10s));
  for (int i = 1; i <= 2; ++i) {
    ASSERT_EQ(cluster.keelctl({"fault", "crash", "n1", "/n1/monitor"}).code, 0);
    EXPECT_TRUE(test::eventually(
      [&] {
        return cluster.keelctl({"put", "k", "v" + std::to_string(i)}).code == 0;
      },
      10s));
    EXPECT_TRUE(cluster.running("n1"));
  }
  EXPECT_EQ(cluster.keelctl({"get", "k"}).out, "v2\n");
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

namespace {

using test::count_of;
using test::lines_of;

TEST(SingleNode, KeelctlWritesOutTablesJsonOrSimpleLines) {
  test::local_cluster cluster{1, 2, 1};
  ASSERT_TRUE(cluster.start("n1"));
  ASSERT_TRUE(test::eventually([&] { return cluster.keelctl({"put", "k", "v"}).code == 0; }, 10s));

  auto table = cluster.keelctl({"status"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("SHARD"), std::string::npos) << table.out;

  // -w json is --json: one document.
  auto json = cluster.keelctl({"-w", "json", "status"});
  ASSERT_EQ(json.code, 0) << json.err;
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["nodes"][0]["id"], "n1");
  EXPECT_EQ(doc["nodes"][0]["shards"].size(), 2u);

  // -w simple: no headers, no padding; a node line and one per replica.
  auto simple = cluster.keelctl({"-w", "simple", "status"});
  ASSERT_EQ(simple.code, 0) << simple.err;
  EXPECT_EQ(simple.out.find("SHARD"), std::string::npos) << simple.out;
  std::vector<std::string> replicas;
  for (auto& line : lines_of(simple.out))
    if (line.rfind("0, n1, ", 0) == 0 || line.rfind("1, n1, ", 0) == 0)
      replicas.push_back(line);
  ASSERT_EQ(replicas.size(), 2u) << simple.out;
  EXPECT_NE(replicas[0].find(", leader, "), std::string::npos) << replicas[0];
  auto tree = cluster.keelctl({"-w", "simple", "tree"});
  ASSERT_EQ(tree.code, 0) << tree.err;
  EXPECT_NE(tree.out.find("\n/n1/shards/shard-0/storage, worker, , "), std::string::npos)
    << tree.out;

  auto get = cluster.keelctl({"-w", "simple", "get", "k"});
  EXPECT_EQ(get.out, "v\n");
  EXPECT_EQ(cluster.keelctl({"-w", "yaml", "status"}).code, 2);
  EXPECT_EQ(cluster.keelctl({"--json", "-w", "simple", "status"}).code, 2);
}

TEST(SingleNode, KeelctlWatchRepeatsTheReportUntilItsCount) {
  test::local_cluster cluster{1, 2, 1};
  ASSERT_TRUE(cluster.start("n1"));
  auto started = std::chrono::steady_clock::now();
  auto watched = cluster.keelctl({"status", "--watch", "--interval", "300", "--count", "3"});
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(watched.code, 0) << watched.err;
  // Not a terminal: each report under its own heading, one after the other.
  EXPECT_EQ(count_of(watched.out, "Every 0.3s: keelctl status"), 3u) << watched.out;
  EXPECT_EQ(count_of(watched.out, "SHARD"), 3u) << watched.out;
  EXPECT_EQ(watched.out.find("\x1b["), std::string::npos); // no screen control codes
  EXPECT_GE(took, 600ms);                                  // two intervals between three reports

  // With --json: one document per line, no headings.
  auto json = cluster.keelctl({"--json", "tree", "--watch", "--interval", "100", "--count", "2"});
  ASSERT_EQ(json.code, 0) << json.err;
  auto docs = lines_of(json.out);
  ASSERT_EQ(docs.size(), 2u) << json.out;
  for (auto& d : docs)
    EXPECT_EQ(nlohmann::json::parse(d)["nodes"][0]["root"]["path"], "/n1");

  EXPECT_EQ(cluster.keelctl({"status", "--watch", "--interval", "5"}).code, 2); // below 100 ms
}

} // namespace

namespace {

keel::test::run_result keelctl_alone(const std::vector<std::string>& args) {
  return keel::test::run_program(std::string{KEEL_BIN_DIR} + "/keelctl", args, 10s);
}

TEST(KeelctlManual, HelpListsItsTopicsAndPrintsEach) {
  auto index = keelctl_alone({"help"});
  ASSERT_EQ(index.code, 0) << index.err;
  for (auto topic : {"exit-codes", "output", "watch", "faults", "lost-data", "completion"}) {
    EXPECT_NE(index.out.find(std::string{"    "} + topic), std::string::npos) << topic;
    auto page = keelctl_alone({"help", topic});
    EXPECT_EQ(page.code, 0) << topic;
    EXPECT_GT(page.out.size(), 200u) << topic;
    for (auto& line : lines_of(page.out))
      EXPECT_LE(line.size(), 80u) << topic << ": " << line;
  }
  EXPECT_NE(keelctl_alone({"help", "exit-codes"}).out.find("4  the outcome is unknown"),
            std::string::npos);
  auto unknown = keelctl_alone({"help", "nonsense"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("no topic 'nonsense' (topics: exit-codes, "), std::string::npos)
    << unknown.err;
}

// What bash offers for the words of `line` (the last one being completed),
// with the script keelctl completion bash prints.
std::string completions(const std::string& script, const std::string& line) {
  auto cmd = script + "\nCOMP_WORDS=(" + line + ")\nCOMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
             + "[[ \"" + line
             + "\" == *' ' ]] && { COMP_WORDS+=(''); COMP_CWORD=$((COMP_CWORD + 1)); }\n"
             + "_keelctl_complete\necho \"${COMPREPLY[*]}\"\n";
  auto r = keel::test::run_program("/bin/bash", {"-c", cmd}, 10s);
  EXPECT_EQ(r.code, 0) << r.err;
  return r.out;
}

TEST(KeelctlManual, BashCompletionFollowsTheCommandLine) {
  auto script = keelctl_alone({"completion", "bash"});
  ASSERT_EQ(script.code, 0) << script.err;
  EXPECT_NE(script.out.find("complete -o default -F _keelctl_complete keelctl"), std::string::npos);
  EXPECT_EQ(completions(script.out, "keelctl st"), "status\n");
  EXPECT_EQ(completions(script.out, "keelctl fault c"), "crash\n");
  EXPECT_EQ(completions(script.out, "keelctl -w s"), "simple\n");
  EXPECT_EQ(completions(script.out, "keelctl status --wa"), "--watch\n");
  EXPECT_EQ(completions(script.out, "keelctl cluster re"), "resume restart\n");
  EXPECT_EQ(completions(script.out, "keelctl help lo"), "lost-data\n");
  EXPECT_EQ(completions(script.out, "keelctl get --s"), "--serializable\n");
  EXPECT_EQ(keelctl_alone({"completion", "zsh"}).code, 2);
}

} // namespace
