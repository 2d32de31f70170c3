// What authenticating one peer frame costs (actors/security/core/frame_seal):
// the sender seals every frame of Raft traffic and the receiver opens it, so
// under load this runs once per frame on each end. Compares HMAC-SHA256 with
// the key set up for each message over a copy of header and batch (what
// frames did before they kept an hmac_sha256_key) against a kept key over the
// parts, and the whole seal and open. Arguments: the batch's size in bytes (a Raft append of a few
// writes is a few hundred bytes; 16 KiB is a large one).
#include <string>

#include <benchmark/benchmark.h>

#include "actors/security/core/crypto.hpp"
#include "actors/security/core/frame_seal.hpp"

namespace {

using namespace keel::security;

const std::string key(32, 'k');

std::string header(uint64_t seq) {
  std::string h;
  append_u64(h, 7);
  append_u64(h, seq);
  return h;
}

void BM_HmacOneShotOverACopy(benchmark::State& state) {
  std::string batch(static_cast<size_t>(state.range(0)), 'b');
  uint64_t seq = 0;
  for (auto _ : state) {
    auto covered = header(++seq);
    covered += batch;
    benchmark::DoNotOptimize(hmac_sha256(key, covered));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_HmacOneShotOverACopy)->Arg(256)->Arg(16384);

void BM_HmacKeptKeyOverParts(benchmark::State& state) {
  std::string batch(static_cast<size_t>(state.range(0)), 'b');
  hmac_sha256_key kept{key};
  uint64_t seq = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(kept.mac({header(++seq), batch}));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_HmacKeptKeyOverParts)->Arg(256)->Arg(16384);

void BM_SealAndOpen(benchmark::State& state) {
  session_keys keys{7, key, "n2"};
  frame_sealer sealer{keys};
  frame_opener opener{keys};
  std::string batch(static_cast<size_t>(state.range(0)), 'b');
  for (auto _ : state) {
    auto frame = sealer.seal(batch);
    if (!opener.open(frame)) {
      state.SkipWithError("a sealed frame did not open");
      break;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_SealAndOpen)->Arg(256)->Arg(16384);

} // namespace
