// register_search: the search itself, over one key's operations reduced to
// integers (values interned, failed operations and unknown reads left out).
// Internal to the checker: linearizability.cpp and witness.cpp share it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "apps/history/linearizability.hpp"
#include "apps/history/operation.hpp"

namespace keel::history::detail {

inline constexpr int32_t absent = -1;

/// One operation as the search sees it.
struct reg_op {
  op_kind f = op_kind::read;
  int32_t value = absent;    // write/cas: the new value; read: the value seen
  int32_t expected = absent; // cas: the value required
  bool info = false;         // outcome unknown: may apply any time after invoke, or never
  uint64_t invoke = 0;
  uint64_t complete = 0; // `never` for info
  size_t source = 0;     // index into the caller's operations
};

/// A key's operations, ready to search: sorted by invoke time.
std::vector<reg_op> prepare(std::span<const operation> ops);

struct search_outcome {
  verdict v = verdict::linearizable;
  uint64_t states = 0;
};

/// Wing-Gong/Lowe search with memoization of (linearized set, state).
search_outcome search(std::span<const reg_op> ops, uint64_t max_states);

} // namespace keel::history::detail
