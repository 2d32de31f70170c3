// The linearizability checker (apps/history) on 20,000-operation histories:
// it must answer in seconds so that keel-jepsen and the whole-node simulation
// can check every run. The histories are linearizable by construction (each
// operation takes effect at a random point inside its interval), so the
// search must explore, not stop at the first contradiction: the slow case.
// The cost grows with the number of operations in flight on ONE key: 16
// clients on a single key took 21 million search steps (about 2 s of CPU and
// 1 GB of memo) for 20,000 operations, beyond check_options' default budget.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "apps/history/linearizability.hpp"

namespace {

using namespace keel::history;

struct shape {
  uint32_t processes;
  uint32_t keys;
  size_t ops;
  double info_share; // writes whose outcome is unknown
};

std::vector<operation> make_history(const shape& s, uint64_t seed) {
  std::mt19937_64 rng{seed};
  struct timed {
    operation op;
    uint64_t at; // when it takes effect
  };
  std::vector<timed> all;
  std::vector<uint64_t> free_at(s.processes, 0);
  std::uniform_int_distribution<uint64_t> gap(1, 100);
  for (size_t i = 0; i < s.ops; ++i) {
    auto p = static_cast<uint32_t>(i % s.processes);
    uint64_t t0 = free_at[p] + gap(rng);
    uint64_t at = t0 + gap(rng);
    uint64_t t1 = at + gap(rng);
    free_at[p] = t1;
    operation op;
    op.process = p;
    op.key = "k" + std::to_string(rng() % s.keys);
    op.invoke = t0;
    op.complete = t1;
    op.f = static_cast<op_kind>(rng() % 4);
    all.push_back({op, at});
  }
  std::sort(all.begin(), all.end(), [](const timed& a, const timed& b) { return a.at < b.at; });
  std::vector<std::optional<std::string>> state(s.keys);
  std::bernoulli_distribution unknown{s.info_share};
  std::vector<operation> out;
  size_t n = 0;
  for (timed& t : all) {
    operation& op = t.op;
    auto& v = state[std::stoul(op.key.substr(1))];
    std::string fresh = "v" + std::to_string(n++);
    switch (op.f) {
      case op_kind::read: op.value = v; break;
      case op_kind::write:
        op.value = fresh;
        v = fresh;
        break;
      case op_kind::del: v.reset(); break;
      case op_kind::cas:
        op.expected = (rng() % 2) ? v : std::optional<std::string>{"stale"};
        op.value = fresh;
        if (op.expected == v)
          v = fresh;
        else
          op.result = op_result::fail;
        break;
    }
    if (op.f != op_kind::read && op.result == op_result::ok && unknown(rng)) {
      op.result = op_result::info;
      op.complete = never;
    }
    out.push_back(std::move(op));
  }
  return out;
}

void run(benchmark::State& st, const shape& s) {
  std::vector<operation> h = make_history(s, 42);
  check_result r;
  for (auto _ : st) {
    r = check_history(h);
    if (!r.ok()) {
      st.SkipWithError(explain(r).c_str());
      break;
    }
  }
  st.counters["states"] = static_cast<double>(r.states);
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * h.size()));
}

void BM_Check20k_100Keys_8Clients(benchmark::State& st) { run(st, {8, 100, 20000, 0.0}); }
void BM_Check20k_OneKey_8Clients(benchmark::State& st) { run(st, {8, 1, 20000, 0.0}); }
void BM_Check20k_OneKey_12Clients_1pcUnknown(benchmark::State& st) {
  run(st, {12, 1, 20000, 0.01});
}
void BM_Check20k_10Keys_32Clients_1pcUnknown(benchmark::State& st) {
  run(st, {32, 10, 20000, 0.01});
}

BENCHMARK(BM_Check20k_100Keys_8Clients)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Check20k_OneKey_8Clients)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Check20k_OneKey_12Clients_1pcUnknown)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Check20k_10Keys_32Clients_1pcUnknown)->Unit(benchmark::kMillisecond);

} // namespace
