// The simulation's one source of randomness: a seeded PRNG with the few
// draws the simulation needs. Plain modulo arithmetic instead of the std
// distributions keeps a seed's run identical across standard libraries.
#pragma once

#include <cstdint>
#include <random>

namespace keel::sim {

/// A seeded pseudo-random source for one simulation run.
class sim_random {
public:
  explicit sim_random(uint64_t seed)
    : gen_(seed) {}

  /// A raw 64-bit draw (for seeding nodes, ordering ties).
  uint64_t next() { return gen_(); }

  /// True with probability permille / 1000.
  bool chance(uint32_t permille) { return gen_() % 1000 < permille; }

  /// A value in [lo, hi]. REQUIRES: lo <= hi.
  uint64_t between(uint64_t lo, uint64_t hi) { return lo + gen_() % (hi - lo + 1); }

  /// An index in [0, n). REQUIRES: n > 0.
  size_t pick(size_t n) { return static_cast<size_t>(gen_() % n); }

private:
  std::mt19937_64 gen_;
};

} // namespace keel::sim
