// register_search: Lowe's just-in-time linearization (as in Porcupine). The
// call and return events sit in one doubly linked list in time order; the
// search walks it, linearizing a call whenever the register model accepts it
// and the resulting (linearized set, state) was not seen before, lifting the
// call and its return out of the list; reaching a return means that operation
// should have been linearized already, so the last choice is undone.

#include "apps/history/register_search.hpp"

#include <algorithm>
#include <bit>
#include <map>
#include <set>
#include <unordered_map>

namespace keel::history::detail {

namespace {

/// An operation of unknown outcome whose resulting value nobody reads or
/// compares against can always be linearized last, where it changes nothing
/// that anyone sees: leaving it out changes no verdict. Kept in, each one
/// stays pending to the end and doubles the states the search may visit.
void drop_unobserved_unknowns(std::vector<reg_op>& ops) {
  std::set<int32_t> observed;
  for (const reg_op& o : ops) {
    if (o.f == op_kind::read)
      observed.insert(o.value);
    if (o.f == op_kind::cas)
      observed.insert(o.expected);
  }
  std::erase_if(ops, [&](const reg_op& o) {
    return o.info && o.f != op_kind::read && !observed.count(o.value);
  });
}

} // namespace

std::vector<reg_op> prepare(std::span<const operation> ops) {
  std::map<std::string, int32_t> ids; // deterministic ids: independent of hash order
  auto id_of = [&](const std::optional<std::string>& v) -> int32_t {
    if (!v)
      return absent;
    return ids.emplace(*v, static_cast<int32_t>(ids.size())).first->second;
  };
  std::vector<reg_op> out;
  out.reserve(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    const operation& op = ops[i];
    if (op.result == op_result::fail)
      continue;
    if (op.result == op_result::info && op.f == op_kind::read)
      continue;
    reg_op r;
    r.f = op.f;
    r.value = op.f == op_kind::del ? absent : id_of(op.value);
    r.expected = op.f == op_kind::cas ? id_of(op.expected) : absent;
    r.info = op.result == op_result::info;
    r.invoke = op.invoke;
    r.complete = r.info ? never : op.complete;
    r.source = i;
    out.push_back(r);
  }
  drop_unobserved_unknowns(out);
  std::stable_sort(out.begin(), out.end(),
                   [](const reg_op& a, const reg_op& b) { return a.invoke < b.invoke; });
  return out;
}

namespace {

/// The register: may `o` happen in state `s`, and what state follows?
bool step(const reg_op& o, int32_t s, int32_t& next) {
  switch (o.f) {
    case op_kind::read: next = s; return s == o.value;
    case op_kind::write: next = o.value; return true;
    case op_kind::del: next = absent; return true;
    case op_kind::cas:
      if (s == o.expected) {
        next = o.value;
        return true;
      }
      // Not applied: only an operation whose outcome is unknown may end so.
      next = s;
      return o.info;
  }
  return false;
}

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// The set of linearized operations. Operations are numbered by invoke time
/// and mostly linearize in that order, so the set is a run of full words, a
/// short tail, then zeros: `lead` and `end` bound the tail, kept up to date
/// as bits change so that remembering a set costs its tail, not its length.
class op_set {
public:
  explicit op_set(size_t n)
    : words_((n + 63) / 64, 0) {}

  void set(int32_t i) {
    size_t w = static_cast<size_t>(i) / 64;
    words_[w] |= uint64_t{1} << (i % 64);
    while (lead_ < words_.size() && words_[lead_] == ~uint64_t{0})
      ++lead_;
    end_ = std::max(end_, w + 1);
  }

  void clear(int32_t i) {
    size_t w = static_cast<size_t>(i) / 64;
    words_[w] &= ~(uint64_t{1} << (i % 64));
    lead_ = std::min(lead_, w);
    while (end_ > 0 && words_[end_ - 1] == 0)
      --end_;
  }

  size_t lead() const { return lead_; }
  std::span<const uint64_t> tail() const {
    return {words_.data() + lead_, end_ > lead_ ? end_ - lead_ : 0};
  }

private:
  std::vector<uint64_t> words_;
  size_t lead_ = 0; // words before it are all ones
  size_t end_ = 0;  // words from it on are all zeros
};

/// The (linearized set, state) pairs seen so far: open addressing over one
/// pool of tails, so that millions of states cost no allocation each.
class memo {
public:
  memo()
    : slots_(1024, 0) {}

  /// False if (set, state) was seen before; otherwise remembers it.
  bool insert(uint64_t set_hash, const op_set& set, int32_t state) {
    uint64_t h = set_hash ^ splitmix(static_cast<uint64_t>(state) + 0x51ed);
    std::span<const uint64_t> tail = set.tail();
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      uint32_t slot = slots_[i];
      if (slot == 0)
        break;
      const entry& e = entries_[slot - 1];
      if (e.hash == h && e.state == state && e.lead == set.lead() && e.tail_len == tail.size()
          && std::equal(tail.begin(), tail.end(),
                        pool_.begin() + static_cast<std::ptrdiff_t>(e.tail_at)))
        return false;
    }
    entries_.push_back({h, pool_.size(), static_cast<uint32_t>(tail.size()),
                        static_cast<uint32_t>(set.lead()), state});
    pool_.insert(pool_.end(), tail.begin(), tail.end());
    if (entries_.size() * 2 > slots_.size())
      grow();
    else
      place(entries_.size());
    return true;
  }

private:
  struct entry {
    uint64_t hash;
    size_t tail_at;
    uint32_t tail_len;
    uint32_t lead;
    int32_t state;
  };

  void place(size_t slot) {
    size_t mask = slots_.size() - 1;
    size_t i = entries_[slot - 1].hash & mask;
    while (slots_[i] != 0)
      i = (i + 1) & mask;
    slots_[i] = static_cast<uint32_t>(slot);
  }

  void grow() {
    slots_.assign(slots_.size() * 2, 0);
    for (size_t s = 1; s <= entries_.size(); ++s)
      place(s);
  }

  std::vector<uint32_t> slots_; // 0 = empty, otherwise 1 + index into entries_
  std::vector<entry> entries_;
  std::vector<uint64_t> pool_;
};

} // namespace

search_outcome search(std::span<const reg_op> ops, uint64_t max_states) {
  const auto n = static_cast<int32_t>(ops.size());
  // Nodes 0..2n-1 are events (2i: call of op i, 2i+1: its return); 2n is the head.
  struct event {
    uint64_t time;
    bool is_return;
    int32_t op;
  };
  std::vector<event> events;
  events.reserve(2 * ops.size());
  for (int32_t i = 0; i < n; ++i) {
    events.push_back({ops[i].invoke, false, i});
    events.push_back({ops[i].complete, true, i});
  }
  // At equal times calls come first: touching intervals count as concurrent,
  // so the checker never reports a violation that depends on a tie.
  std::stable_sort(events.begin(), events.end(), [](const event& a, const event& b) {
    return a.time != b.time ? a.time < b.time : (!a.is_return && b.is_return);
  });
  const int32_t head = 2 * n;
  std::vector<int32_t> next(2 * n + 1, -1), prev(2 * n + 1, -1);
  int32_t last = head;
  for (const event& e : events) {
    int32_t node = 2 * e.op + (e.is_return ? 1 : 0);
    next[last] = node;
    prev[node] = last;
    last = node;
  }
  auto unlink = [&](int32_t x) {
    next[prev[x]] = next[x];
    if (next[x] != -1)
      prev[next[x]] = prev[x];
  };
  auto relink = [&](int32_t x) {
    next[prev[x]] = x;
    if (next[x] != -1)
      prev[next[x]] = x;
  };

  std::vector<uint64_t> salt(ops.size());
  for (size_t i = 0; i < ops.size(); ++i)
    salt[i] = splitmix(i);
  op_set linearized{ops.size()};
  uint64_t hash = 0;
  int32_t state = absent;
  memo seen;
  struct frame {
    int32_t call;
    int32_t state;
  };
  std::vector<frame> stack;
  search_outcome out;

  int32_t e = next[head];
  while (next[head] != -1) {
    if (++out.states > max_states) {
      out.v = verdict::unknown;
      return out;
    }
    if ((e & 1) == 0) { // a call
      int32_t i = e / 2;
      int32_t after = absent;
      if (step(ops[i], state, after)) {
        linearized.set(i);
        if (seen.insert(hash ^ salt[i], linearized, after)) {
          stack.push_back({e, state});
          state = after;
          hash ^= salt[i];
          unlink(e);
          unlink(e + 1);
          e = next[head];
          continue;
        }
        linearized.clear(i);
      }
      e = next[e];
    } else { // a return whose call is not linearized: undo the last choice
      if (stack.empty()) {
        out.v = verdict::violation;
        return out;
      }
      frame f = stack.back();
      stack.pop_back();
      int32_t i = f.call / 2;
      state = f.state;
      hash ^= salt[i];
      linearized.clear(i);
      relink(f.call + 1);
      relink(f.call);
      e = next[f.call];
    }
  }
  return out;
}

} // namespace keel::history::detail
