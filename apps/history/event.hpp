// event: one line of the operation history of docs/contract.md ("Operation
// histories"), as a recorder hands it to history_writer: an operation's
// invoke, or its completion. history_reader pairs them back into operations.
// Pure: no CAF, no clock, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "apps/history/operation.hpp"

namespace keel::history {

/// The history's "type": an invocation, then exactly one completion, whose
/// type is the operation's op_result.
enum class event_type : uint8_t { invoke, ok, fail, info };

/// "invoke", "ok", "fail", "info".
const char* to_string(event_type t);

/// The type to_string names `name`, or nullopt.
std::optional<event_type> event_type_named(std::string_view name);

/// The completion event of an operation that ended with `r`.
event_type event_of(op_result r);

/// How an operation ended, for a completion event; nullopt for an invoke.
std::optional<op_result> result_of(event_type t);

/// The history's "value": null, one string, or the pair [expected, new] of a
/// cas (expected null for create-if-absent). It views strings it does not own:
/// they must outlive every use of the value.
struct history_value {
  enum class shape : uint8_t { null, single, pair };
  shape form = shape::null;
  std::optional<std::string_view> first; // single: the value; pair: expected
  std::string_view second;               // pair: the new value

  static history_value none() { return {}; }
  static history_value of(std::string_view v) { return {shape::single, v, {}}; }
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

} // namespace keel::history
