// The filter on the element types of every CAF message a process reads from
// the network (actors/security/core/wire_types.hpp says which, and why).
#pragma once

#include <string>

namespace caf {
class actor_system;
}

namespace keel {

/// Empty if this process reads messages through the filter; otherwise why not
/// (a CAF whose message::load cannot be replaced, for one linked statically
/// or with -Bsymbolic). keel-node refuses to start then, and client::runtime
/// throws.
std::string message_type_filter_problem(caf::actor_system& sys);

} // namespace keel
