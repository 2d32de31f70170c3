// linearizability: checks a key-value history for linearizability, key by key
// (every key an independent register, initially absent), by the Wing-Gong
// search with Lowe's just-in-time linearization and memoization of
// (set of linearized operations, register state), as Porcupine does.
//
// Operations that failed constrain nothing and are left out; reads whose
// outcome is unknown too. A write, delete or cas whose outcome is unknown
// (info) may take effect at any time after its invoke or never: it is given
// an infinite completion time, so it may linearize anywhere after its invoke
// (linearized last, its effect is seen by nobody, which is "never").
//
// A violation comes with a witness: the key and a small set of its
// operations that is not linearizable on its own, found by shrinking the
// history (a failing prefix, then delta debugging that never removes the
// writes a remaining read or cas depends on, so the witness explains itself).
// Pure: no CAF, no clock, no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "apps/history/operation.hpp"

namespace keel::history {

enum class verdict : uint8_t {
  linearizable,
  violation,
  unknown, // the search gave up (check_options::max_states): no answer
  invalid, // the history itself is malformed (see check_result::error)
};

/// "linearizable", "violation", "unknown", "invalid".
const char* to_string(verdict v);

struct check_options {
  /// Search steps allowed per key before the answer is `unknown`.
  uint64_t max_states = 20'000'000;
  /// Shrink a violation to a small witness (costs a few more searches).
  bool minimize_witness = true;
  /// Searches the shrinking may run, and steps per search.
  uint32_t witness_searches = 400;
  uint64_t witness_max_states = 200'000;
};

struct key_verdict {
  std::string key;
  verdict v = verdict::linearizable;
  size_t operations = 0; // operations of this key the search considered
  uint64_t states = 0;   // search steps taken
  /// violation: operations that are not linearizable together, by invoke time.
  std::vector<operation> witness;
};

struct check_result {
  verdict v = verdict::linearizable; // the worst verdict of any key
  std::string error;                 // invalid: what is wrong, naming the operation
  size_t keys = 0;
  size_t operations = 0;
  uint64_t states = 0;
  /// The keys whose verdict is not linearizable, in key order.
  std::vector<key_verdict> bad_keys;

  bool ok() const { return v == verdict::linearizable; }
};

/// Checks the operations of ONE key (their `key` fields are not compared).
key_verdict check_key(std::span<const operation> ops, const check_options& opts = {});

/// Checks a whole history key by key.
check_result check_history(std::span<const operation> ops, const check_options& opts = {});

/// Several lines for a human: the verdict, and per bad key its witness.
std::string explain(const check_result& r);

} // namespace keel::history
