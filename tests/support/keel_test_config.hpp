// The actor_system_config every actor test uses: Keel's message types
// registered, as on a real node.
#pragma once

#include "caf/actor_system_config.hpp"
#include "caf/io/middleman.hpp"

#include "messages/type_ids.hpp"

namespace keel::test {

struct keel_config : caf::actor_system_config {
  keel_config() {
    load<caf::io::middleman>();
    register_message_types(*this);
  }
};

} // namespace keel::test
