// witness: shrinks a key's non-linearizable history to a small set of
// operations that is still not linearizable, so a failure reads in a glance.
// Internal to the checker.
#pragma once

#include <vector>

#include "apps/history/linearizability.hpp"
#include "apps/history/register_search.hpp"

namespace keel::history::detail {

/// `ops` (prepared, not linearizable) shrunk; the result is verified to fail
/// on its own, or is `ops` itself when the budget ran out first.
std::vector<reg_op> shrink(const std::vector<reg_op>& ops, const check_options& opts);

} // namespace keel::history::detail
