// keel-bench load as a user runs it, against a real cluster: the history it
// records with --history holds every operation of its report, with the values
// its clients wrote, and apps/history's checker finds it linearizable. This
// is what makes keel-bench's histories evidence: its clients are chains of
// asynchronous operations (apps/keel_bench/load_run.cpp), and a history event
// that outlived the operation it describes would show here as values nobody
// wrote.
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "apps/history/history_reader.hpp"
#include "apps/history/linearizability.hpp"
#include "local_cluster.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;

TEST(BenchLoad, ItsHistoryHoldsEveryOperationAndIsLinearizable) {
  test::local_cluster c{3, 2, 3};
  c.start_all();
  ASSERT_TRUE(test::eventually([&] { return c.keelctl({"put", "warm", "up"}).code == 0; }, 20s));
  auto path = c.dir() + "/history.jsonl";
  auto bench = test::run_program(std::string{KEEL_BIN_DIR} + "/keel-bench",
                                 {"--config", c.config_path(), "--json", "load", "--clients", "8",
                                  "--keys", "6", "--mix", "all", "--duration", "2", "--warmup",
                                  "0.5", "--history", path},
                                 60s);
  ASSERT_EQ(bench.code, 0) << bench.err;
  auto report = nlohmann::json::parse(bench.out);
  auto measured = report["ops"].get<uint64_t>();
  ASSERT_GT(measured, 0u);

  std::ifstream in(path);
  auto history = history::read_history(in);
  ASSERT_TRUE(history.ok()) << history.error;
  // The warm-up's and the preload's operations are in the history too.
  EXPECT_GE(history.ops.size(), measured);
  size_t writes = 0;
  for (auto& op : history.ops) {
    EXPECT_LT(op.process, 8u);
    if (op.f == history::op_kind::write && op.value) {
      ++writes;
      // make_value(process, seq, 100): "p<process>-<seq>" padded with dots.
      EXPECT_EQ(op.value->rfind("p" + std::to_string(op.process) + "-", 0), 0u) << *op.value;
      EXPECT_EQ(op.value->size(), 100u);
    }
  }
  EXPECT_GT(writes, 0u);
  auto verdict = history::check_history(history.ops);
  EXPECT_EQ(verdict.v, history::verdict::linearizable) << history::explain(verdict);
}

} // namespace
