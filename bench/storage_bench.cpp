// Storage micro-benchmarks along the replica's path: what one synced persist
// costs and how group commit spreads it (the replica persists every entry of
// one Raft ready with one fsync: 1 vs 64 entries per persist), what applying
// committed entries costs (unsynced, through replica_storage exactly as the
// storage actor does), what a follower's install of a whole shard costs,
// plus point reads. The *Memory variants run the same
// code on the memory store (what the tests and simulations use): the cost of
// the logic without the disk.
// The data directory is created under $KEEL_BENCH_DIR (default: the current
// directory, which should be on the disk you care about: fsync on tmpfs is free).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "actors/storage/core/memory_store.hpp"
#include "actors/storage/core/replica_storage.hpp"
#include "actors/storage/engine/engine.hpp"

namespace {

using namespace keel;
using namespace keel::storage;
namespace fs = std::filesystem;

enum class on { rocks, memory };

/// A fresh engine in a temporary directory, removed afterwards, or in memory.
class bench_engine {
public:
  explicit bench_engine(on store = on::rocks) {
    if (store == on::memory) {
      take(engine::open(std::make_shared<memory_store>("bench"), "bench", 4));
      return;
    }
    const char* base = std::getenv("KEEL_BENCH_DIR");
    auto pattern = (fs::path{base ? base : "."} / "keel-storage-bench-XXXXXX").string();
    if (!mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp failed in " + pattern);
    dir_ = pattern;
    take(open_rocks_engine((dir_ / "db").string(), "bench", 4));
  }
  ~bench_engine() {
    db_.reset();
    std::error_code ignored;
    if (!dir_.empty())
      fs::remove_all(dir_, ignored);
  }
  engine& db() { return *db_; }

private:
  void take(engine::open_result opened) {
    if (!opened)
      throw std::runtime_error(opened.error().detail);
    db_ = std::move(opened).value();
  }

  fs::path dir_;
  std::unique_ptr<engine> db_;
};

/// Whether `r` succeeded; if not, the benchmark stops with its error.
template <class T>
bool succeeded(benchmark::State& state, const storage::result<T>& r) {
  if (!r.ok())
    state.SkipWithError(r.error().detail.c_str());
  return r.ok();
}

/// `n` log entries from index `first` on, each `puts` puts of 100 bytes.
std::vector<raft::Entry> entries(size_t n, uint64_t first, int puts = 1) {
  std::vector<raft::Entry> out;
  for (size_t i = 0; i < n; ++i) {
    command::CommandBatch commands;
    for (int p = 0; p < puts; ++p) {
      auto* cmd = commands.add_commands();
      cmd->set_client_id(1 + i * puts + p);
      cmd->set_seq(first + i);
      cmd->mutable_put()->set_key("key-" + std::to_string((first + i) % 10000));
      cmd->mutable_put()->set_value(std::string(100, 'v'));
    }
    raft::Entry entry;
    entry.set_term(1);
    entry.set_index(first + i);
    entry.set_type(raft::ENTRY_NORMAL);
    entry.set_data(commands.SerializeAsString());
    out.push_back(std::move(entry));
  }
  return out;
}

/// What the storage actor does with a replica's persist: one synced batch,
/// with the hard state (term 1, `commit`). False (and the benchmark stopped)
/// if it failed.
bool persist_synced(benchmark::State& state, bench_engine& bench, replica_storage& replica,
                    PersistRequest& request, uint64_t commit) {
  request.mutable_hard_state()->set_term(1);
  request.mutable_hard_state()->set_commit(commit);
  auto batch = bench.db().make_batch();
  replica.persist(request, batch);
  return succeeded(state, bench.db().commit(batch, true));
}

/// One synced persist of state.range(0) entries and the hard state per iteration.
void persist(benchmark::State& state, on store) {
  bench_engine bench{store};
  replica_storage replica{bench.db(), 0};
  auto n = static_cast<size_t>(state.range(0));
  uint64_t next = 1;
  for (auto _ : state) {
    state.PauseTiming();
    PersistRequest request;
    for (auto& entry : entries(n, next))
      *request.add_entries() = std::move(entry);
    next += n;
    state.ResumeTiming();
    if (!persist_synced(state, bench, replica, request, next - 1))
      break;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.counters["entries_per_fsync"] = static_cast<double>(n);
}
void BM_Persist(benchmark::State& state) { persist(state, on::rocks); }
void BM_PersistMemory(benchmark::State& state) { persist(state, on::memory); }
BENCHMARK(BM_Persist)->Arg(1)->Arg(64)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_PersistMemory)->Arg(1)->Arg(64)->Unit(benchmark::kMicrosecond)->UseRealTime();

/// A follower's usual ready per iteration: append entry i + 1 (with a commit
/// index of i) and apply entry i. state.range(0) = 1: one synced batch, as the
/// storage actor writes a ready (PersistRequest.committed); 0: the persist
/// synced, then the apply in a batch of its own (unsynced), as it was before
/// 2026-12-03. Compare the CPU time: the fsync's wait is the same in both.
void BM_FollowerReady(benchmark::State& state) {
  bench_engine bench;
  replica_storage replica{bench.db(), 0};
  bool one_batch = state.range(0) == 1;
  uint64_t next = 1;
  std::vector<raft::Entry> previous;
  for (auto _ : state) {
    state.PauseTiming();
    PersistRequest ready;
    for (auto& entry : entries(1, next))
      *ready.add_entries() = std::move(entry);
    ready.mutable_hard_state()->set_term(1);
    ready.mutable_hard_state()->set_commit(next - 1);
    for (auto& entry : previous)
      *ready.add_committed() = std::move(entry);
    previous = entries(1, next);
    ++next;
    state.ResumeTiming();
    auto batch = bench.db().make_batch();
    replica.persist(ready, batch);
    if (one_batch) {
      auto applied = replica.apply(ready.committed(), batch);
      if (!succeeded(state, applied) || !succeeded(state, bench.db().commit(batch, true)))
        break;
      continue;
    }
    if (!succeeded(state, bench.db().commit(batch, true)))
      break;
    auto apply_batch = bench.db().make_batch();
    auto applied = replica.apply(ready.committed(), apply_batch);
    if (!succeeded(state, applied) || !succeeded(state, bench.db().commit(apply_batch, false)))
      break;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_FollowerReady)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

/// Synced persists of one entry from N threads at once, each thread one shard
/// of the same engine, as the storage actors of a node's shards do (one
/// detached actor per shard). Whether RocksDB merges the concurrent synced
/// writes into one WAL sync (its write-group commit) decides what a node-wide
/// group commit (issue 8, docs/benchmarks.md section 11) could still gain:
/// merged, items/s grows with the threads; not merged, it stays flat.
bench_engine& shared_engine() {
  static bench_engine engine; // removed at exit
  return engine;
}
void BM_PersistConcurrentShards(benchmark::State& state) {
  auto& db = shared_engine().db();
  auto shard = static_cast<uint32_t>(state.thread_index());
  replica_storage replica{db, shard};
  uint64_t next = db.last_index(shard) + 1;
  for (auto _ : state) {
    // Built inside the timing (microseconds against a sync's milliseconds):
    // pausing the timer of several threads costs more than that.
    PersistRequest request;
    *request.add_entries() = std::move(entries(1, next).front());
    request.mutable_hard_state()->set_term(1);
    request.mutable_hard_state()->set_commit(next);
    ++next;
    auto batch = db.make_batch();
    replica.persist(request, batch);
    if (!succeeded(state, db.commit(batch, true)))
      break;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_PersistConcurrentShards)
  ->ThreadRange(1, 4)
  ->Unit(benchmark::kMicrosecond)
  ->UseRealTime();

/// One unsynced apply of state.range(0) committed entries per iteration.
void apply(benchmark::State& state, on store) {
  bench_engine bench{store};
  replica_storage replica{bench.db(), 0};
  auto n = static_cast<size_t>(state.range(0));
  uint64_t next = 1;
  for (auto _ : state) {
    state.PauseTiming();
    entry_list committed;
    for (auto& entry : entries(n, next))
      *committed.Add() = std::move(entry);
    next += n;
    state.ResumeTiming();
    auto batch = bench.db().make_batch();
    auto result = replica.apply(committed, batch);
    benchmark::DoNotOptimize(result);
    if (!succeeded(state, result) || !succeeded(state, bench.db().commit(batch, false)))
      break;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
void BM_Apply(benchmark::State& state) { apply(state, on::rocks); }
void BM_ApplyMemory(benchmark::State& state) { apply(state, on::memory); }
BENCHMARK(BM_Apply)->Arg(1)->Arg(64)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ApplyMemory)->Arg(1)->Arg(64)->Unit(benchmark::kMicrosecond)->UseRealTime();

/// One log compaction per iteration, as a replica's every snapshot_entries
/// (10,000) applied entries: the oldest state.range(0) entries of a log of
/// entries carrying ten puts each (as at 64 clients) go, in one unsynced batch
/// on the storage actor's thread. The log grows by what is compacted, so
/// memtables fill and RocksDB flushes them as in a long run.
void BM_CompactLog(benchmark::State& state) {
  bench_engine bench;
  auto n = static_cast<size_t>(state.range(0));
  uint64_t compacted = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto appended = bench.db().make_batch();
    appended.append(0, entries(n, compacted + 1, 10));
    if (!succeeded(state, bench.db().commit(appended, false)))
      break;
    LogState point;
    point.set_snapshot_index(compacted + n);
    point.set_snapshot_term(1);
    state.ResumeTiming();
    auto batch = bench.db().make_batch();
    batch.compact(0, point);
    if (!succeeded(state, bench.db().commit(batch, false)))
      break;
    compacted += n;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_CompactLog)->Arg(5000)->Unit(benchmark::kMillisecond)->UseRealTime();

/// A snapshot of `keys` keys of 100 bytes at `index`, as a leader's read-out
/// sends it (keys sorted), with one client session per 100 keys.
raft::Snapshot shard_snapshot(size_t keys, uint64_t index) {
  ShardSnapshot data;
  data.set_shard(0);
  data.set_applied_index(index);
  data.set_applied_term(1);
  for (size_t i = 0; i < keys; ++i) {
    auto* kv = data.add_data();
    char key[32];
    std::snprintf(key, sizeof key, "key-%09zu", i);
    kv->set_key(key);
    kv->set_value(std::string(100, static_cast<char>('a' + index % 26)));
    if (i % 100 == 0) {
      auto* session = data.add_sessions();
      session->set_client_id(i + 1);
      session->mutable_session()->set_last_seq(index);
    }
  }
  raft::Snapshot snap;
  snap.mutable_metadata()->set_index(index);
  snap.mutable_metadata()->set_term(1);
  snap.set_data(data.SerializeAsString());
  return snap;
}

/// One follower install of a shard of state.range(0) keys per iteration, as
/// the storage actor persists a snapshot (§7): a synced batch that replaces
/// every key the shard had (the previous install's, as many) and the log.
void BM_InstallSnapshot(benchmark::State& state) {
  bench_engine bench;
  replica_storage replica{bench.db(), 0};
  auto keys = static_cast<size_t>(state.range(0));
  uint64_t index = 0;
  for (auto _ : state) {
    state.PauseTiming();
    index += 1000;
    PersistRequest request;
    *request.mutable_snapshot() = shard_snapshot(keys, index);
    state.ResumeTiming();
    if (!persist_synced(state, bench, replica, request, index))
      break;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_InstallSnapshot)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

/// Point reads of 10,000 keys of 100 bytes; half the lookups miss.
void get(benchmark::State& state, on store) {
  bench_engine bench{store};
  auto batch = bench.db().make_batch();
  for (int i = 0; i < 10000; ++i)
    batch.put(0, "key-" + std::to_string(i), std::string(100, 'v'));
  if (!succeeded(state, bench.db().commit(batch, true)))
    return;
  std::mt19937 prng{42};
  int64_t found = 0;
  for (auto _ : state) {
    auto value = bench.db().get(0, "key-" + std::to_string(prng() % 20000));
    found += value.has_value();
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["hit_ratio"]
    = static_cast<double>(found) / static_cast<double>(std::max<int64_t>(1, state.iterations()));
}
void BM_Get(benchmark::State& state) { get(state, on::rocks); }
void BM_GetMemory(benchmark::State& state) { get(state, on::memory); }
BENCHMARK(BM_Get)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GetMemory)->Unit(benchmark::kMicrosecond);

} // namespace
