// witness: first the shortest failing prefix (by invoke order, binary search),
// then delta debugging (drop chunks, halving their size when nothing drops).
// A removal never takes away every write of a value that a remaining read or
// cas relies on: otherwise every stale read would shrink to "a read of a
// value never written", which is minimal and useless.

#include "apps/history/witness.hpp"

#include <algorithm>
#include <unordered_map>

namespace keel::history::detail {

namespace {

class shrinker {
public:
  shrinker(const check_options& opts)
    : opts_(opts) {}

  bool fails(const std::vector<reg_op>& ops) {
    if (searches_ >= opts_.witness_searches)
      return false;
    ++searches_;
    return search(ops, opts_.witness_max_states).v == verdict::violation;
  }

  bool budget_left() const { return searches_ < opts_.witness_searches; }

private:
  const check_options& opts_;
  uint32_t searches_ = 0;
};

bool writes(const reg_op& o, int32_t v) {
  return (o.f == op_kind::write || o.f == op_kind::cas) && o.value == v;
}

/// The value `o` relies on having been written, or `absent`.
int32_t relies_on(const reg_op& o) {
  if (o.info)
    return absent;
  if (o.f == op_kind::read)
    return o.value;
  return o.f == op_kind::cas ? o.expected : absent;
}

/// Puts back, from `removed`, writers of every value a kept operation relies
/// on, unless a kept writer of it may already precede that operation.
// The earliest invoke of a kept writer, per value, kept up to date as writers
// are put back: a history of tens of thousands of operations is shrunk with
// hundreds of calls, and a scan of `kept` per operation made each quadratic.
std::vector<reg_op> keep_explained(std::vector<reg_op> kept, const std::vector<reg_op>& removed) {
  std::unordered_map<int32_t, uint64_t> first_writer; // value -> earliest invoke in kept
  auto note_writer = [&](const reg_op& w) {
    if (w.f != op_kind::write && w.f != op_kind::cas)
      return;
    auto [it, fresh] = first_writer.try_emplace(w.value, w.invoke);
    if (!fresh)
      it->second = std::min(it->second, w.invoke);
  };
  for (const auto& w : kept)
    note_writer(w);
  std::vector<bool> back(removed.size(), false);
  for (size_t k = 0; k < kept.size(); ++k) { // kept grows: its new writers are checked too
    int32_t v = relies_on(kept[k]);
    if (v == absent)
      continue;
    uint64_t by = kept[k].complete;
    auto w = first_writer.find(v);
    bool explained = w != first_writer.end() && w->second < by;
    for (size_t i = removed.size(); i-- > 0 && !explained;) // the latest writer first
      if (!back[i] && writes(removed[i], v) && removed[i].invoke < by) {
        back[i] = true;
        kept.push_back(removed[i]);
        note_writer(kept.back());
        explained = true;
      }
  }
  std::stable_sort(kept.begin(), kept.end(),
                   [](const reg_op& a, const reg_op& b) { return a.invoke < b.invoke; });
  return kept;
}

/// The first `n` operations by invoke time, plus the later writes they rely
/// on: a read may return a value whose write was invoked after it.
std::vector<reg_op> prefix(const std::vector<reg_op>& ops, size_t n) {
  auto cut = ops.begin() + static_cast<std::ptrdiff_t>(n);
  return keep_explained({ops.begin(), cut}, {cut, ops.end()});
}

std::vector<reg_op> shortest_failing_prefix(const std::vector<reg_op>& ops, shrinker& s) {
  size_t lo = 0, hi = ops.size(); // invariant: prefix(hi) fails
  while (hi - lo > 1 && s.budget_left()) {
    size_t mid = lo + (hi - lo) / 2;
    if (s.fails(prefix(ops, mid)))
      hi = mid;
    else
      lo = mid;
  }
  return prefix(ops, hi);
}

} // namespace

std::vector<reg_op> shrink(const std::vector<reg_op>& ops, const check_options& opts) {
  shrinker s{opts};
  std::vector<reg_op> cur = shortest_failing_prefix(ops, s);
  size_t chunks = 2;
  while (cur.size() >= 2 && s.budget_left()) {
    size_t size = (cur.size() + chunks - 1) / chunks;
    bool dropped = false;
    for (size_t start = 0; start < cur.size() && !dropped; start += size) {
      size_t end = std::min(cur.size(), start + size);
      std::vector<reg_op> kept(cur.begin(), cur.begin() + static_cast<std::ptrdiff_t>(start));
      kept.insert(kept.end(), cur.begin() + static_cast<std::ptrdiff_t>(end), cur.end());
      std::vector<reg_op> removed(cur.begin() + static_cast<std::ptrdiff_t>(start),
                                  cur.begin() + static_cast<std::ptrdiff_t>(end));
      kept = keep_explained(std::move(kept), removed);
      if (kept.size() < cur.size() && s.fails(kept)) {
        cur = std::move(kept);
        chunks = std::max<size_t>(chunks - 1, 2);
        dropped = true;
      }
    }
    if (!dropped) {
      if (chunks >= cur.size())
        break;
      chunks = std::min(cur.size(), chunks * 2);
    }
  }
  return cur;
}

} // namespace keel::history::detail
