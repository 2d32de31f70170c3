#include "actors/security/core/wire_types.hpp"

#include <algorithm>
#include <array>

namespace keel::security {

namespace {

// CAF 0.17's built-in names that a peer may send, each for a reason.
// clang-format off
constexpr std::array<std::string_view, 20> allowed_builtins{
  "@atom",                                   // every Keel request starts with one
  "@str", "@strvec", "bool",                 // plain values in answers
  "@i8", "@i16", "@i32", "@i64",
  "@u8", "@u16", "@u32", "@u64",
  "@unit",                                   // the answer of a void handler
  "@error", "@message",                      // a failed request's answer, its context
  "@actor", "@addr", "@strong_actor_ptr",    // CAF's link and proxy protocol
  "@node",
  "@timespan",                               // CAF's own timeouts
};
// clang-format on
// Not allowed, among others: @config_value and the stream messages (their
// variants throw on a bad index), @group and @group_down (group module
// lookups), @exit and @down (a peer has no business ending or reporting on
// a node's actors; the front door drops them too), double, float, @ldouble
// (Keel sends none; CAF cannot even re-serialize an infinite one).

} // namespace

bool wire_type_allowed(std::string_view name) {
  if (name.rfind("keel::", 0) == 0)
    return true; // Keel's block: protobuf messages, checked again when parsed
  return std::find(allowed_builtins.begin(), allowed_builtins.end(), name)
         != allowed_builtins.end();
}

} // namespace keel::security
