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

/// Publishes `door` on `port` through the endpoint actor `ep`, and answers
/// (publish_atom) with the port or the last error. A port the previous
/// incarnation of the publisher held may still be open for a moment after its
/// close was handled (the middleman closes it on its own thread): bind then
/// fails with cannot_open_port, and it is tried again every 25 ms for up to a
/// second, instead of failing the actor at once and its restarts with it (a
/// root supervisor once gave up in 3 ms that way, stopping the node).
inline caf::behavior port_publisher(caf::event_based_actor* self, caf::actor ep, uint16_t port,
                                    caf::strong_actor_ptr door, std::string host) {
  auto promise = std::make_shared<caf::response_promise>();
  auto attempts = std::make_shared<int>(0);
  return {
    [=](caf::publish_atom) {
      *promise = self->make_response_promise();
      self->send(self, caf::ok_atom::value);
      return *promise;
    },
    [=](caf::ok_atom) {
      self
        ->request(ep, std::chrono::seconds(10), caf::publish_atom::value, port, door,
                  std::set<std::string>{}, host, true)
        .then(
          [=](uint16_t p) {
            promise->deliver(p);
            self->quit();
          },
          [=](caf::error& err) {
            if (err == caf::sec::cannot_open_port && ++*attempts < 40) {
              self->delayed_send(self, std::chrono::milliseconds(25), caf::ok_atom::value);
              return;
            }
            promise->deliver(std::move(err));
            self->quit();
          });
    },
  };
}

/// See publish_self in endpoint.hpp. Returns the front door that stands for
/// `self` on the port: what clients hold, so what they expect answers from.
template <class Self>
caf::actor publish_any(Self* self, const std::string& host, uint16_t port,
                       const std::string& what) {
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
  auto publisher = self->system().spawn(port_publisher, ep, port,
                                        caf::actor_cast<caf::strong_actor_ptr>(door), host);
  self->request(publisher, std::chrono::seconds(15), caf::publish_atom::value)
    .then(
      [what, tls = self->system().has_openssl_manager()](uint16_t p) {
        component_logger("node")->info("{} published on port {}{}", what, p, tls ? " (TLS)" : "");
      },
      [self, what, port](caf::error& err) {
        component_logger("node")->error("cannot publish the {} on port {}: {}", what, port,
                                        self->system().render(err));
        self->quit(err);
      });
  return door;
}

} // namespace keel::network
