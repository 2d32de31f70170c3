// Gives every library at least one translation unit of its own and one place
// that states the version; the value comes from CMake's project() call.
#include "messages/version.hpp"

namespace keel {
const char* version() { return "0.1.0"; }
} // namespace keel
