// deadline_fifo: requests in flight, each with the time by which it must be
// answered, for an actor that gives every request the same timeout (so the
// order of sending is the order of the deadlines) and checks them on a timer
// of its own.
//
// Why not CAF's request timeouts on a hot path: CAF 0.17 never cancels one
// (0.18 added disposables). Every `request(dest, timeout, ...)` hands a timer
// to the clock thread through a locked ring buffer of 64 slots, and the timer
// fires after the answer came: the clock thread wakes, enqueues a timeout
// error, and a worker wakes the requester only for CAF to drop it. Per write
// that was a service request, and a persist and an apply per Raft turn on each
// replica: thread wake-ups that bought nothing (docs/benchmarks.md, section
// 12). With `caf::infinite`, CAF sets no timer, and this queue keeps the
// deadlines instead.
//
// Pure: the caller passes the time (any unit, e.g. a replica's ticks or
// milliseconds of a steady clock) and owns the timer.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

namespace keel {

template <class T>
class deadline_fifo {
public:
  using id_type = uint64_t;

  /// Records a request sent at a time whose deadline is `deadline`, holding
  /// `value` (what answering it needs). REQUIRES: `deadline` is not before
  /// the deadline of any request added earlier.
  id_type add(uint64_t deadline, T value) {
    entries_.push_back(entry{deadline, std::move(value)});
    return next_id_++;
  }

  /// Takes the request `id` out because it was answered: its value if it was
  /// still waiting, nothing if it had expired (or was taken) before.
  std::optional<T> take(id_type id) {
    if (id < first_id() || id >= next_id_)
      return std::nullopt;
    auto& e = entries_[static_cast<size_t>(id - first_id())];
    auto value = std::move(e.value);
    e.value.reset();
    drop_answered();
    return value;
  }

  /// Takes out every request whose deadline is at or before `now`, oldest
  /// first: what the caller must now answer as timed out.
  std::vector<T> expire(uint64_t now) {
    std::vector<T> expired;
    while (!entries_.empty() && entries_.front().deadline <= now) {
      if (entries_.front().value)
        expired.push_back(std::move(*entries_.front().value));
      entries_.pop_front();
    }
    drop_answered();
    return expired;
  }

  /// Requests still waiting (answered ones behind a waiting one included
  /// until it goes: the queue never searches).
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

private:
  struct entry {
    uint64_t deadline;
    std::optional<T> value; // empty once answered
  };

  id_type first_id() const { return next_id_ - entries_.size(); }

  // Answered requests at the front hold nothing back; those behind a waiting
  // one stay until it goes, so ids keep mapping to positions.
  void drop_answered() {
    while (!entries_.empty() && !entries_.front().value)
      entries_.pop_front();
  }

  std::deque<entry> entries_;
  id_type next_id_ = 0;
};

} // namespace keel
