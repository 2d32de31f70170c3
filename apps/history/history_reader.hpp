// history_reader: reads the JSON-lines operation history of docs/contract.md
// (what history_writer writes: keel-bench --history, keel-jepsen later) into
// operations: each invoke is paired with the next completion of the same
// process; an invoke still open at the end becomes info (may have taken
// effect). Every malformed line is refused with its line number and reason.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "apps/history/operation.hpp"

namespace keel::history {

struct read_result {
  std::vector<operation> ops; // in completion order
  std::string error;          // empty when the whole history was read

  bool ok() const { return error.empty(); }
};

read_result read_history(std::istream& in);

} // namespace keel::history
