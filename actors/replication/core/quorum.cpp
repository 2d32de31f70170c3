// quorum: majority arithmetic.
#include "actors/replication/core/quorum.hpp"

#include <algorithm>
#include <functional>

#include "actors/base/core/errors.hpp"

namespace keel::raft {

uint64_t quorum_index(std::vector<uint64_t> match_indexes) {
  KEEL_ASSERT(!match_indexes.empty(), "a group has at least one voter");
  // Sorted descending, the value at position majority - 1 is held by at
  // least `majority` voters (itself and all before it), and no larger value is.
  auto pos
    = match_indexes.begin() + static_cast<std::ptrdiff_t>(majority(match_indexes.size()) - 1);
  std::nth_element(match_indexes.begin(), pos, match_indexes.end(), std::greater<>{});
  return *pos;
}

vote_result tally_votes(size_t voters, size_t granted, size_t rejected) {
  if (granted >= majority(voters))
    return vote_result::won;
  if (rejected >= majority(voters) || voters - rejected < majority(voters))
    return vote_result::lost;
  return vote_result::pending;
}

} // namespace keel::raft
