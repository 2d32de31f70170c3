// keel-jepsen against real keel-node processes: the short run of CI. Three
// runs of 30 s, each with four or five fault kinds held 3 s apart by 2 s of
// quiet (room for five), so that every kind of the nemesis is injected at
// least once; each must pass all three checks (linearizable, nothing lost,
// replicas converged), and the nemesis's own (a node back with an empty data
// directory is refused).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <signal.h>

#include "apps/common/pid_file.hpp"
#include "apps/launcher/node_process.hpp"
#include "apps/launcher/process.hpp"
#include "local_cluster.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct JepsenSuite : ::testing::Test {
  fs::path dir;

  JepsenSuite() {
    char templ[] = "/tmp/keel-jepsen-test-XXXXXX";
    dir = ::mkdtemp(templ);
  }

  ~JepsenSuite() override {
    if (!HasFailure() && !std::getenv("KEEL_KEEP_TEST_DIRS")) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  }

  // keel-jepsen with the nodes of `bin_dir` (build/bin/unsafe for --unsafe).
  keel::test::run_result jepsen(std::vector<std::string> args,
                                const std::string& bin_dir = KEEL_BIN_DIR) {
    args.insert(args.end(), {"--out", dir.string(), "--bin-dir", bin_dir});
    return keel::test::run_program(std::string{KEEL_BIN_DIR} + "/keel-jepsen", args, 240s);
  }

  // Runs one seed with `faults` and checks its summary.
  void passes(uint64_t seed, const std::string& faults) {
    auto r = jepsen({"--seed", std::to_string(seed), "--duration", "30", "--quiet", "2",
                     "--fault-length", "3", "--faults", faults});
    SCOPED_TRACE("keel-jepsen --faults " + faults + "\n" + r.out + r.err);
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("verdict: PASS"), std::string::npos);
    EXPECT_NE(r.out.find("linearizability: linearizable"), std::string::npos);
    EXPECT_NE(r.out.find("lost writes: none"), std::string::npos);
    EXPECT_NE(r.out.find("4 of 4 shards converged"), std::string::npos);
    EXPECT_EQ(r.out.find("error:"), std::string::npos) << "a fault was not carried out";
    EXPECT_EQ(r.out.find("VIOLATION"), std::string::npos);
    std::stringstream kinds{faults};
    for (std::string kind; std::getline(kinds, kind, ',');)
      EXPECT_NE(r.out.find("  " + kind + " "), std::string::npos) << kind << " was not injected";
    auto run_dir = dir / ("seed-" + std::to_string(seed));
    for (auto file : {"history.jsonl", "summary.txt", "nemesis.out", "cluster.conf"})
      EXPECT_TRUE(fs::exists(run_dir / file)) << file;
    EXPECT_GT(fs::file_size(run_dir / "history.jsonl"), 10'000u);
  }
};

TEST_F(JepsenSuite, ProcessFaultsKeepTheHistoryLinearizable) {
  passes(1, "kill,kill-leader,kill-majority,pause");
}

TEST_F(JepsenSuite, NetworkFaultsKeepTheHistoryLinearizable) {
  passes(2, "partition,isolate-leader,bridge,flap");
}

TEST_F(JepsenSuite, LossDelayCrashesRestartsAndLostDataKeepTheHistoryLinearizable) {
  passes(3, "loss,delay,crash,restart-all,lose-data");
}

// keel-jepsen interrupted (a user's Ctrl-C, or a harness's SIGTERM at its
// deadline) takes its cluster down before it exits, a node its nemesis holds
// paused included: no keel-node outlives it.
TEST_F(JepsenSuite, AnInterruptedRunTakesItsClusterDownAndExitsWithTheSignal) {
  namespace launcher = keel::launcher;
  auto run_dir = dir / "seed-1";
  auto output = (dir / "jepsen.out").string();
  auto spawned = launcher::spawn_process(std::string{KEEL_BIN_DIR} + "/keel-jepsen",
                                         {"--out", dir.string(), "--bin-dir", KEEL_BIN_DIR,
                                          "--seed", "1", "--duration", "120", "--quiet", "1",
                                          "--fault-length", "100", "--faults", "pause"},
                                         {output, output});
  ASSERT_TRUE(spawned) << spawned.error().detail;
  pid_t jepsen = *spawned;

  // The nodes' PIDs, read from their PID files (data/<node>/keel-node.pid).
  std::map<std::string, pid_t> nodes;
  auto read_node_pids = [&] {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(run_dir / "data", ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->path().filename() == "keel-node.pid")
        if (std::ifstream in{it->path()}; in)
          if (pid_t pid = 0; in >> pid && pid > 0)
            nodes[it->path().parent_path().filename().string()] = pid;
  };
  // Whatever happens below, nothing this test started stays up.
  struct cleanup {
    pid_t& jepsen;
    std::map<std::string, pid_t>& nodes;
    ~cleanup() {
      if (jepsen > 0 && launcher::wait_exit(jepsen, 0ms) == -1) {
        ::kill(jepsen, SIGKILL);
        launcher::wait_exit(jepsen, 5s);
      }
      for (auto& [id, pid] : nodes)
        if (!launcher::gone(pid, id)) {
          ::kill(pid, SIGCONT);
          ::kill(pid, SIGKILL);
        }
    }
  } guard{jepsen, nodes};

  // Until the nemesis has paused a node (nemesis.out: "cluster pause nX -> exit 0").
  auto a_node_is_paused = [&] {
    std::ifstream in{run_dir / "nemesis.out"};
    for (std::string line; std::getline(in, line);)
      if (line.rfind("cluster pause n", 0) == 0 && line.find("-> exit 0") != std::string::npos)
        return true;
    return false;
  };
  ASSERT_TRUE(launcher::poll_until(launcher::steady::now() + 90s, a_node_is_paused, 200ms))
    << "the nemesis paused no node within 90 s";
  read_node_pids();
  ASSERT_EQ(nodes.size(), 3u);
  size_t paused = 0;
  for (auto& [id, pid] : nodes) {
    ASSERT_FALSE(launcher::gone(pid, id)) << id << " is not running before the signal";
    paused += keel::process_stopped(pid) ? 1 : 0;
  }
  EXPECT_EQ(paused, 1u);

  ASSERT_EQ(::kill(jepsen, SIGTERM), 0);
  int code = launcher::wait_exit(jepsen, 60s);
  if (code != -1)
    jepsen = 0; // reaped
  std::ifstream said{output};
  std::string printed{std::istreambuf_iterator<char>{said}, {}};
  EXPECT_EQ(code, 128 + SIGTERM) << printed;
  EXPECT_NE(printed.find("interrupted by signal"), std::string::npos) << printed;
  for (auto& [id, pid] : nodes)
    EXPECT_TRUE(launcher::gone(pid, id)) << id << " (pid " << pid << ") outlived keel-jepsen";
}

// Part 5 of issue 9: a checker that never fails proves nothing. Each unsafe
// switch (actors/base/core/unsafe_switches.hpp) breaks safety in the test
// build's keel-node-unsafe, under the faults that expose it; each must be
// caught. apply-retries-twice shows only when a retried write that had been
// applied meets another client's operation on its key, so it gets frequent
// short faults of a leader, clients that retry after 50 ms, two keys and four
// seeds (caught in 9 of 10 runs of 20 s on an idle machine, but in neither of
// two seeds in one CI run; the same settings pass on the safe build:
// JepsenSuite.ImpatientClientsOnTwoKeys...). read-without-read-index shows when
// a client still takes a deposed leader for the leader: frequent leader
// changes and two seeds (5 of 5 runs caught; one CI run missed with fewer,
// slower faults).
struct UnsafeCase {
  const char* name;
  std::vector<std::string> args;
};

class JepsenCatches : public JepsenSuite, public ::testing::WithParamInterface<UnsafeCase> {};

TEST_P(JepsenCatches, TheUnsafeSwitch) {
  auto args = GetParam().args;
  args.insert(args.end(), {"--unsafe", GetParam().name, "--seed", "1"});
  auto r = jepsen(args, std::string{KEEL_BIN_DIR} + "/unsafe");
  SCOPED_TRACE(std::string{"keel-jepsen --unsafe "} + GetParam().name + "\n" + r.out + r.err);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("UNSAFE nodes (safety broken on purpose): " + std::string{GetParam().name}),
            std::string::npos);
  EXPECT_NE(r.out.find("verdict: FAIL"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
  Switches, JepsenCatches,
  ::testing::Values(UnsafeCase{"ack-before-commit",
                               {"--duration", "20", "--quiet", "2", "--fault-length", "3",
                                "--faults", "kill-leader"}},
                    UnsafeCase{"skip-fsync",
                               {"--duration", "20", "--quiet", "2", "--fault-length", "3",
                                "--faults", "restart-all"}},
                    UnsafeCase{"read-without-read-index",
                               {"--duration", "20", "--quiet", "1", "--fault-length", "1.5",
                                "--faults", "kill-leader,isolate-leader,pause", "--runs", "2"}},
                    UnsafeCase{"apply-retries-twice",
                               {"--duration", "20", "--quiet", "1", "--fault-length", "1",
                                "--faults", "pause,kill-leader", "--keys", "2",
                                "--request-timeout-ms", "50", "--runs", "4"}}),
  [](const auto& info) {
    std::string name = info.param.name;
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
  });

TEST(KeelNode, RefusesToStartWithUnsafeSwitchesAsked) {
  // The keel-node users run has no unsafe switches: asked for one, it says so
  // and does not start.
  keel::test::local_cluster cluster{1, 1, 1};
  ::setenv("KEEL_UNSAFE", "skip-fsync", 1);
  auto r = cluster.start_expecting_exit("n1");
  ::unsetenv("KEEL_UNSAFE");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("KEEL_UNSAFE is set, and this keel-node has no unsafe switches"),
            std::string::npos)
    << r.err;
}

TEST_F(JepsenSuite, ImpatientClientsOnTwoKeysKeepTheHistoryLinearizable) {
  // The settings that expose apply-retries-twice, on the safe build: clients
  // that retry after 50 ms put many retried writes through the sessions.
  auto r = jepsen({"--seed", "4", "--duration", "20", "--quiet", "1", "--fault-length", "1",
                   "--faults", "pause,kill-leader", "--keys", "2", "--request-timeout-ms", "50"});
  SCOPED_TRACE(r.out + r.err);
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("verdict: PASS"), std::string::npos);
}

TEST_F(JepsenSuite, BadArgumentsAreUsageErrors) {
  auto r = jepsen({"--faults", "kill,partiton"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown fault 'partiton'"), std::string::npos) << r.err;
  r = jepsen({"--unsafe", "skip-sync"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown unsafe switch 'skip-sync'"), std::string::npos) << r.err;
  r = jepsen({"--replication", "5"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--replication"), std::string::npos) << r.err;
}

} // namespace
