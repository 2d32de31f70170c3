// The filter on the element types of every CAF message a process reads from
// the network (actors/security/core/wire_types.hpp says which, and why).
#pragma once

#include <string>

namespace caf {
class actor_system;
}

namespace keel {

/// Empty if this process reads messages through the filter; otherwise why not
/// (an executable linked without keel_message_type_filter, or a CAF whose
/// message::load cannot be replaced). keel-node refuses to start then.
std::string message_type_filter_problem(caf::actor_system& sys);

} // namespace keel
