// lost_writes: after the cluster healed, keel-jepsen reads every key once
// more (the final reads) and asks whether each acknowledged write, cas and
// delete is accounted for by what was read. A mutation W is accounted for if
// it produced the final value itself, or if some other mutation that could
// have taken effect after W produced it (one that did not complete before W
// was invoked, or whose outcome is unknown). Anything else was acknowledged
// and then lost. A final value that no operation ever wrote is reported too.
// This is a direct, cheap check of what the linearizability search also
// implies, so that a lost write is named as such rather than as a violation
// somewhere in the history. Pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "apps/history/operation.hpp"

namespace keel::jepsen {

struct lost_write_report {
  size_t keys = 0;         // keys with a final read
  size_t acknowledged = 0; // ok writes, cas and deletes invoked before their key's final read
  std::vector<history::operation> lost;    // acknowledged, and not accounted for
  std::vector<history::operation> phantom; // final reads of a value nobody wrote
  std::vector<std::string> unread;         // keys written but never read at the end

  bool ok() const { return lost.empty() && phantom.empty() && unread.empty(); }
};

/// Checks `ops` (a whole history) against the final reads, which are the ok
/// reads of process `final_process` (the last one per key counts).
lost_write_report check_lost_writes(std::span<const history::operation> ops,
                                    uint32_t final_process);

} // namespace keel::jepsen
