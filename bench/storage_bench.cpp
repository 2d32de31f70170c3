// Storage engine micro-benchmarks: what one synced commit costs and how group
// commit spreads it (1 vs 64 commands per fsynced batch, applied through the
// kv state machine exactly as the storage actor does), plus point reads.
// The data directory is created under $KEEL_BENCH_DIR (default: the current
// directory, which should be on the disk you care about: fsync on tmpfs is free).
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include <benchmark/benchmark.h>

#include "actors/storage/core/kv_state_machine.hpp"
#include "actors/storage/engine/engine.hpp"

namespace {

using namespace keel;
using namespace keel::storage;
namespace fs = std::filesystem;

/// A fresh engine in a temporary directory, removed afterwards.
class bench_engine {
public:
  bench_engine() {
    const char* base = std::getenv("KEEL_BENCH_DIR");
    auto pattern = (fs::path{base ? base : "."} / "keel-storage-bench-XXXXXX").string();
    if (!mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp failed in " + pattern);
    dir_ = pattern;
    auto opened = engine::open((dir_ / "db").string(), "bench", 4);
    if (auto* error = std::get_if<std::string>(&opened))
      throw std::runtime_error(*error);
    db_ = std::move(std::get<std::unique_ptr<engine>>(opened));
  }
  ~bench_engine() {
    db_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  engine& db() { return *db_; }

private:
  fs::path dir_;
  std::unique_ptr<engine> db_;
};

command::CommandBatch puts(size_t n, uint64_t round) {
  command::CommandBatch batch;
  for (size_t i = 0; i < n; ++i) {
    auto* cmd = batch.add_commands();
    cmd->set_client_id(1 + i);
    cmd->set_seq(round);
    cmd->mutable_put()->set_key("key-" + std::to_string((round * n + i) % 10000));
    cmd->mutable_put()->set_value(std::string(100, 'v'));
  }
  return batch;
}

/// One log entry of state.range(0) puts per iteration, applied and committed.
void commit_batches(benchmark::State& state, bool sync) {
  bench_engine bench;
  kv_state_machine machine{bench.db(), 0};
  auto n = static_cast<size_t>(state.range(0));
  uint64_t index = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto commands = puts(n, index + 1);
    state.ResumeTiming();
    auto batch = bench.db().make_batch();
    machine.apply(commands, ++index, 1, batch);
    if (auto error = bench.db().commit(batch, sync)) {
      state.SkipWithError(error->c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.counters["commands_per_commit"] = static_cast<double>(n);
}

void BM_SyncedCommit(benchmark::State& state) {
  commit_batches(state, true);
}
BENCHMARK(BM_SyncedCommit)->Arg(1)->Arg(64)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_UnsyncedCommit(benchmark::State& state) {
  commit_batches(state, false);
}
BENCHMARK(BM_UnsyncedCommit)->Arg(1)->Arg(64)->Unit(benchmark::kMicrosecond)->UseRealTime();

/// Point reads of 10,000 keys of 100 bytes; half the lookups miss.
void BM_Get(benchmark::State& state) {
  bench_engine bench;
  auto batch = bench.db().make_batch();
  for (int i = 0; i < 10000; ++i)
    batch.put(0, "key-" + std::to_string(i), std::string(100, 'v'));
  if (auto error = bench.db().commit(batch, true)) {
    state.SkipWithError(error->c_str());
    return;
  }
  std::mt19937 prng{42};
  int64_t found = 0;
  for (auto _ : state) {
    auto value = bench.db().get(0, "key-" + std::to_string(prng() % 20000));
    found += value.has_value();
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["hit_ratio"] =
    static_cast<double>(found) / static_cast<double>(std::max<int64_t>(1, state.iterations()));
}
BENCHMARK(BM_Get)->Unit(benchmark::kMicrosecond);

} // namespace
