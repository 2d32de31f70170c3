// Maps CAF exit reasons onto OTP's exit classes, and renders them for humans
// (logs, the tree query). Used by the supervisor actor.
#pragma once

#include <string>

#include "caf/error.hpp"

#include "supervisors/core/exit_class.hpp"

namespace keel::sup {

/// normal: caf::none or exit_reason::normal; shutdown:
/// exit_reason::user_shutdown; abnormal: everything else (errors, exceptions
/// escaping a handler, kill, unreachable, ...).
exit_class classify(const caf::error& reason);

/// Human-readable exit reason, e.g. "exit_reason(kill)"; "normal" for none.
std::string describe(const caf::error& reason);

} // namespace keel::sup
