// How keelctl reports: the exit codes of docs/contract.md, the one-line error
// on stderr, and JSON text. Shared by every keelctl command.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actors/client/core/outcome.hpp"

namespace keel::keelctl {

/// keelctl's exit codes (docs/contract.md).
enum exit_code : int {
  exit_done = 0,        // done
  exit_negative = 1,    // a definite negative answer: no such key, another value
  exit_usage = 2,       // usage error or bad input; nothing was sent
  exit_unavailable = 3, // definitely not applied
  exit_unknown = 4,     // timeout or connection lost: the outcome is unknown
};

/// The exit code for an operation's outcome. `invalid` (a node rejected the
/// input) is bad input, so 2, although the request did reach a node.
int exit_code_of(client::outcome x);

/// Prints "keelctl: <what>" as one line on `err` (line breaks inside `what`
/// become spaces) and returns `code`.
int fail(std::ostream& err, int code, std::string_view what);

/// `j` as one line of JSON; bytes that are not UTF-8 (keys and values may be
/// binary) are replaced instead of failing.
std::string json_text(const nlohmann::json& j);

/// A key or value for a message: quoted, control bytes escaped, and cut at
/// 64 bytes so that the message stays one readable line.
std::string printable(std::string_view text);

} // namespace keel::keelctl
