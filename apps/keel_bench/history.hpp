// history: the operation history keel-bench --history writes, in the Jepsen
// format of docs/contract.md: JSON lines {"process", "type", "f", "key",
// "value", "time"}, one event per line, for a per-key linearizability checker.
// Pure: the clock is injected, the output is any std::ostream. Shared by every
// load thread of one run; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "actors/client/core/outcome.hpp"

namespace keel::bench {

/// What an operation does: the history's "f".
enum class op_kind : uint8_t { read, write, cas, del };

/// "read", "write", "cas", "delete".
std::string_view to_string(op_kind f);

/// The history's "type": an invocation, then exactly one completion.
enum class event_type : uint8_t {
  invoke,
  ok,   // took effect (writes) or returned the value (reads)
  fail, // definitely did not take effect
  info, // unknown: may take effect at any later time
};

/// "invoke", "ok", "fail", "info".
std::string_view to_string(event_type t);

/// The completion type of an operation that ended with `o`, seen as an
/// operation on a register that starts absent: a read of an absent key and a
/// delete of an absent key are ok (the register is, and stays, absent); a cas
/// that found another value or no value definitely did not apply (fail);
/// invalid and unavailable are fail; unknown is info.
event_type completion_of(op_kind f, client::outcome o);

/// The history's "value": null, one string, or the pair [expected, new] of a
/// cas (expected null for create-if-absent). It views strings it does not own:
/// they must outlive every use of the value.
struct history_value {
  enum class shape : uint8_t { null, single, pair };
  shape form = shape::null;
  std::optional<std::string_view> first; // single: the value; pair: expected
  std::string_view second;               // pair: the new value

  static history_value none() {
    return {};
  }
  static history_value of(std::string_view v) {
    return {shape::single, v, {}};
  }
  static history_value maybe(const std::optional<std::string>& v) {
    return v ? of(std::string_view{*v}) : none();
  }
  static history_value maybe(const std::optional<std::string>&&) = delete; // would dangle
  static history_value cas(std::optional<std::string_view> expected, std::string_view next) {
    return {shape::pair, expected, next};
  }
};

/// One event, without its time (the writer stamps it).
struct history_event {
  uint32_t process = 0;
  event_type type = event_type::invoke;
  op_kind f = op_kind::read;
  std::string_view key;
  history_value value;
};

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
  std::string buffer_; // guarded by mu_
  uint64_t events_ = 0; // guarded by mu_
};

} // namespace keel::bench
