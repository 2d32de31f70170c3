// keel-jepsen against real keel-node processes: the short run of CI. Three
// runs of 30 s, each with four fault kinds held 3 s apart by 2 s of quiet, so
// that every kind of the nemesis is injected at least once; each must pass
// all three checks (linearizable, nothing lost, replicas converged).
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

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

  keel::test::run_result jepsen(std::vector<std::string> args) {
    args.insert(args.end(), {"--out", dir.string(), "--bin-dir", KEEL_BIN_DIR});
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

TEST_F(JepsenSuite, LossDelayCrashesAndRestartsKeepTheHistoryLinearizable) {
  passes(3, "loss,delay,crash,restart-all");
}

TEST_F(JepsenSuite, BadArgumentsAreUsageErrors) {
  auto r = jepsen({"--faults", "kill,partiton"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown fault 'partiton'"), std::string::npos) << r.err;
  r = jepsen({"--replication", "5"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--replication"), std::string::npos) << r.err;
}

} // namespace
