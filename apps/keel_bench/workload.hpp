// workload: what one keel-bench load thread does next. The operation mix, the
// key space ("k0".."k<K-1>", chosen uniformly), and the values written, which
// are unique per (process, seq) so that a history checker can tell every
// write apart. Pure: the randomness is a PRNG seeded by the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "apps/keel_bench/history.hpp"

namespace keel::bench {

/// The operation mix of a load run.
enum class mix : uint8_t {
  write, // every operation a put
  read,  // every operation a get
  mixed, // gets and puts, 50/50
  cas,   // every operation a compare-and-swap on the last value the thread saw
  all,   // 40 % gets, 30 % puts, 20 % compare-and-swaps, 10 % deletes (keel-jepsen's)
};

/// "write", "read", "mixed", "cas", "all".
std::string_view to_string(mix m);

/// The mix named `name`, or nullopt.
std::optional<mix> parse_mix(std::string_view name);

/// The name of key number `index`: "k<index>".
std::string key_name(uint64_t index);

/// A value of exactly `bytes` bytes: the tag "p<process>-<seq>" padded with
/// '.'. Values of one run are unique as long as `bytes` holds the whole tag
/// (16 bytes suffice for 9999 processes and 10^9 operations each); a shorter
/// size cuts the tag.
std::string make_value(uint32_t process, uint64_t seq, size_t bytes);

/// One operation to run: what it does and on which key.
struct planned_op {
  op_kind f = op_kind::read;
  uint64_t key = 0; // in [0, keys)
};

/// The sequence of operations of one load thread.
class workload {
public:
  // REQUIRES: keys > 0
  workload(mix m, uint64_t keys, uint64_t seed);

  /// The next operation: its kind from the mix, its key uniform over the keys.
  planned_op next();

private:
  mix mix_;
  std::uniform_int_distribution<uint64_t> key_dist_;
  std::bernoulli_distribution coin_{0.5};
  std::discrete_distribution<int> all_{40, 30, 20, 10}; // read, write, cas, delete
  std::mt19937_64 rng_;
};

} // namespace keel::bench
