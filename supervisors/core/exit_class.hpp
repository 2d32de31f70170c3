// The three kinds of child exit that OTP's restart rules distinguish. The
// supervisor actor maps CAF exit reasons onto them; the pure policy decides
// on them alone.
#pragma once

#include <string>

namespace keel::sup {

/// What a child's exit reason means for its restart.
enum class exit_class {
  normal,   ///< the child finished its work (caf::none / exit_reason::normal)
  shutdown, ///< the child was asked to stop (exit_reason::user_shutdown)
  abnormal, ///< anything else: an error exit, an exception, a kill
};

/// "normal", "shutdown" or "abnormal".
std::string to_string(exit_class x);

} // namespace keel::sup
