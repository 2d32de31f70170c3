#include "actors/network/endpoint.hpp"

#include <chrono>
#include <set>

#include "caf/all.hpp"
#include "caf/io/all.hpp"
#include "caf/openssl/manager.hpp"

#include "actors/log/logger.hpp"
#include "actors/network/publish_self.hpp"

namespace keel::network {

caf::actor endpoint(caf::actor_system& sys) {
  if (sys.has_openssl_manager())
    return caf::actor_cast<caf::actor>(sys.openssl_manager().actor_handle());
  return caf::actor_cast<caf::actor>(sys.middleman().actor_handle());
}

void publish_self(caf::event_based_actor* self, const std::string& host, uint16_t port,
                  const std::string& what) {
  publish_any(self, host, port, what);
}

void drop_unexpected(caf::event_based_actor* self, uint64_t* counter) {
  drop_unexpected(static_cast<caf::scheduled_actor*>(self), counter);
}

void drop_unexpected(caf::scheduled_actor* self, uint64_t* counter) {
  self->set_default_handler(
    [counter](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
      if (counter)
        ++*counter;
      return caf::make_error(caf::sec::unexpected_message);
    });
}

} // namespace keel::network
