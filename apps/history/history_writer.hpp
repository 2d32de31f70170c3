// history_writer: writes the operation history of docs/contract.md
// ("Operation histories"): JSON lines {"process", "type", "f", "key",
// "value", "time"}, one event per line, which history_reader reads back. The
// one writer of the format: keel-bench --history uses it, and so will
// keel-jepsen. Pure: the clock is injected, the output is any std::ostream.
// One writer may be shared by many threads.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <string>

#include "apps/history/event.hpp"

namespace keel::history {

/// Appends `e` stamped with `time_ns` as one JSON object and a newline.
/// Strings are escaped per RFC 8259 (quote, backslash, control characters).
void append_json_line(std::string& out, const history_event& e, uint64_t time_ns);

/// Writes events to one stream in time order. record() reads the clock while
/// holding the writer's lock, so the order of lines is the order of their
/// times and no line is stamped out of order. Lines gather in a buffer that is
/// written out once it holds `flush_bytes`, by flush(), and by the destructor.
class history_writer {
public:
  /// `clock`: monotonic nanoseconds (steady_clock in keel-bench).
  history_writer(std::ostream& out, std::function<uint64_t()> clock,
                 size_t flush_bytes = size_t{1} << 20);
  ~history_writer();

  history_writer(const history_writer&) = delete;
  history_writer& operator=(const history_writer&) = delete;

  /// Stamps `e` with the clock and appends it. Returns the stamp.
  uint64_t record(const history_event& e);

  /// Writes out what is buffered and flushes the stream.
  void flush();

  /// Events recorded so far.
  uint64_t events() const;

  /// Whether every write to the stream so far succeeded.
  bool good() const;

private:
  void write_out(); // REQUIRES: mu_ held

  mutable std::mutex mu_;
  std::ostream& out_;
  std::function<uint64_t()> clock_;
  size_t flush_bytes_;
  std::string buffer_;  // guarded by mu_
  uint64_t events_ = 0; // guarded by mu_
};

} // namespace keel::history
