#include "apps/keel_jepsen/lost_writes.hpp"

#include <map>
#include <optional>

namespace keel::jepsen {

namespace {

using history::op_kind;
using history::op_result;
using history::operation;

bool mutates(const operation& op) { return op.f != op_kind::read && op.result != op_result::fail; }

// Whether `m` leaves the key holding `value` (nullopt: absent) if it applies.
bool produces(const operation& m, const std::optional<std::string>& value) {
  if (!value)
    return m.f == op_kind::del;
  return (m.f == op_kind::write || m.f == op_kind::cas) && m.value == value;
}

// Whether `m` may have taken effect after `w` did: it did not complete before
// `w` was invoked (an unknown outcome never completes).
bool may_follow(const operation& m, const operation& w) {
  return m.result == op_result::info || m.complete >= w.invoke;
}

} // namespace

lost_write_report check_lost_writes(std::span<const operation> ops, uint32_t final_process) {
  lost_write_report r;
  std::map<std::string, std::vector<const operation*>> by_key;
  std::map<std::string, const operation*> final_read;
  for (const auto& op : ops) {
    if (op.process == final_process && op.f == op_kind::read && op.result == op_result::ok) {
      auto& f = final_read[op.key];
      if (!f || op.complete > f->complete)
        f = &op;
      continue;
    }
    if (mutates(op))
      by_key[op.key].push_back(&op);
  }
  for (auto& [key, mutations] : by_key)
    if (!final_read.count(key))
      r.unread.push_back(key);
  for (auto& [key, f] : final_read) {
    ++r.keys;
    auto& mutations = by_key[key];
    // Only what was invoked before the final read completed can explain it.
    std::vector<const operation*> producers;
    for (auto* m : mutations)
      if (m->invoke <= f->complete && produces(*m, f->value))
        producers.push_back(m);
    if (f->value && producers.empty()) {
      r.phantom.push_back(*f);
      continue;
    }
    for (auto* w : mutations) {
      if (w->result != op_result::ok || w->invoke > f->invoke)
        continue;
      ++r.acknowledged;
      bool accounted = false;
      for (auto* m : producers)
        if (m == w || may_follow(*m, *w)) {
          accounted = true;
          break;
        }
      // Absent at the end is also what the initial state looks like, but a
      // mutation that was acknowledged replaced that state: only a delete
      // that may follow it accounts for absence.
      if (!accounted)
        r.lost.push_back(*w);
    }
  }
  return r;
}

} // namespace keel::jepsen
