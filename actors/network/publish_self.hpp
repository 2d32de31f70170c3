// endpoint.hpp's publish_self and drop_unexpected for any event-based actor,
// dynamically or statically typed: the client service is a typed actor, the
// peer gate is not. publish_any is a template over the actor's type because
// CAF 0.17's typed and untyped event-based actors share no base that can send
// requests. Include only from actor .cpp files: it pulls in caf/all.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include "caf/all.hpp"

#include "actors/log/logger.hpp"
#include "actors/network/endpoint.hpp"
#include "actors/network/front_door.hpp"

namespace keel::network {

/// See drop_unexpected in endpoint.hpp.
void drop_unexpected(caf::scheduled_actor* self, uint64_t* counter = nullptr);

/// See publish_self in endpoint.hpp.
template <class Self>
void publish_any(Self* self, const std::string& host, uint16_t port, const std::string& what) {
  // Through the endpoint actor rather than io::publish(), which would block
  // this scheduler thread. The close comes first in the same mailbox, so a
  // port a previous incarnation held is free again when publish runs.
  auto ep = endpoint(self->system());
  self->request(ep, std::chrono::seconds(10), caf::close_atom::value, port)
    .then([] {}, [](caf::error&) { /* nothing was published there: fine */ });
  // Published: a front door, never `self` (see front_door.hpp). With an
  // empty interface: clients hold a caf::actor, whatever `self`'s type.
  auto door = make_front_door(self->system(), caf::actor_cast<caf::actor>(self));
  // No unrequested error may end `self` either (a front door lets responses
  // through, and a forged one must not be fatal).
  self->set_error_handler([](caf::error&) {});
  self
    ->request(ep, std::chrono::seconds(10), caf::publish_atom::value, port,
              caf::actor_cast<caf::strong_actor_ptr>(door), std::set<std::string>{}, host, true)
    .then(
      [what, tls = self->system().has_openssl_manager()](uint16_t p) {
        component_logger("node")->info("{} published on port {}{}", what, p, tls ? " (TLS)" : "");
      },
      [self, what, port](caf::error& err) {
        component_logger("node")->error("cannot publish the {} on port {}: {}", what, port,
                                        self->system().render(err));
        self->quit(err);
      });
}

} // namespace keel::network
