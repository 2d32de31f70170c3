// operation: one completed client operation on a key-value store, as a
// linearizability checker sees it. The history format of docs/contract.md
// (Jepsen-style invoke/complete events) is read into these by
// history_reader.hpp; the whole-node simulation records them directly.
// Pure: no CAF, no clock, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keel::history {

/// What an operation does: the history's "f".
enum class op_kind : uint8_t { read, write, cas, del };

/// How the operation ended: the history's completion "type".
enum class op_result : uint8_t {
  ok,   // took effect (writes) or returned `value` (reads)
  fail, // definitely did not take effect: constrains nothing
  info, // unknown: may take effect at any time after its invoke, or never
};

/// Pending: an operation whose completion is unknown returns "never".
inline constexpr uint64_t never = UINT64_MAX;

struct operation {
  uint32_t process = 0;
  op_kind f = op_kind::read;
  std::string key;
  /// write: the value written; read (ok): the value read, nullopt = absent;
  /// cas: the new value; delete: unused.
  std::optional<std::string> value;
  /// cas only: the value the key must hold, nullopt = must be absent.
  std::optional<std::string> expected;
  op_result result = op_result::ok;
  uint64_t invoke = 0;   // time of the invoke event
  uint64_t complete = 0; // time of the completion event (`never` for info)

  /// Builders for tests and recorders.
  static operation read(uint32_t p, std::string k, std::optional<std::string> seen, uint64_t t0,
                        uint64_t t1);
  static operation write(uint32_t p, std::string k, std::string v, uint64_t t0, uint64_t t1,
                         op_result r = op_result::ok);
  static operation del(uint32_t p, std::string k, uint64_t t0, uint64_t t1,
                       op_result r = op_result::ok);
  static operation cas(uint32_t p, std::string k, std::optional<std::string> expected,
                       std::string next, uint64_t t0, uint64_t t1, op_result r = op_result::ok);
};

/// "read", "write", "cas", "delete".
const char* to_string(op_kind f);
/// "ok", "fail", "info".
const char* to_string(op_result r);

/// The kind to_string names `name`, or nullopt.
std::optional<op_kind> op_kind_named(std::string_view name);

/// One line for a witness: `p3 write k7 "v12" ok [1200, 1987]`.
std::string describe(const operation& op);

} // namespace keel::history
