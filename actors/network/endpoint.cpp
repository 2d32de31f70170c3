#include "actors/network/endpoint.hpp"

#include <chrono>
#include <set>

#include "caf/all.hpp"
#include "caf/io/all.hpp"
#include "caf/openssl/manager.hpp"

#include "actors/network/front_door.hpp"
#include "actors/log/logger.hpp"

namespace keel::network {

caf::actor endpoint(caf::actor_system& sys) {
  if (sys.has_openssl_manager())
    return caf::actor_cast<caf::actor>(sys.openssl_manager().actor_handle());
  return caf::actor_cast<caf::actor>(sys.middleman().actor_handle());
}

void publish_self(caf::event_based_actor* self, const std::string& host, uint16_t port,
                  const std::string& what) {
  // Through the endpoint actor rather than io::publish(), which would block
  // this scheduler thread. The close comes first in the same mailbox, so a
  // port a previous incarnation held is free again when publish runs.
  auto ep = endpoint(self->system());
  self->request(ep, std::chrono::seconds(10), caf::close_atom::value, port)
    .then([] {}, [](caf::error&) { /* nothing was published there: fine */ });
  // Published: a front door, never `self` (see front_door.hpp).
  auto door = make_front_door(self->system(), caf::actor_cast<caf::actor>(self));
  // No unrequested error may end `self` either (a front door lets responses
  // through, and a forged one must not be fatal).
  self->set_error_handler([](caf::error&) {});
  self
    ->request(ep, std::chrono::seconds(10), caf::publish_atom::value, port,
              caf::actor_cast<caf::strong_actor_ptr>(door), std::set<std::string>{}, host,
              true)
    .then(
      [what, tls = self->system().has_openssl_manager()](uint16_t p) {
        component_logger("node")->info("{} published on port {}{}", what, p,
                                       tls ? " (TLS)" : "");
      },
      [self, what, port](caf::error& err) {
        component_logger("node")->error("cannot publish the {} on port {}: {}", what, port,
                                        self->system().render(err));
        self->quit(err);
      });
}

void drop_unexpected(caf::event_based_actor* self, uint64_t* counter) {
  self->set_default_handler(
    [counter](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
      if (counter)
        ++*counter;
      return caf::make_error(caf::sec::unexpected_message);
    });
}

} // namespace keel::network
