#include "supervisors/exit_reason.hpp"

#include "caf/exit_reason.hpp"

namespace keel::sup {

exit_class classify(const caf::error& reason) {
  if (!reason || reason == caf::exit_reason::normal)
    return exit_class::normal;
  if (reason == caf::exit_reason::user_shutdown)
    return exit_class::shutdown;
  return exit_class::abnormal;
}

std::string describe(const caf::error& reason) {
  if (!reason)
    return "normal";
  return to_string(reason);
}

} // namespace keel::sup
