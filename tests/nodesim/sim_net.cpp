// sim_net: connectors and links (see the header).

#include "sim_net.hpp"

#include <chrono>

#include "caf/all.hpp"

namespace keel::nodesim {

void sim_net::partition(const std::set<std::string>& a, const std::set<std::string>& b) {
  for (auto& x : a)
    for (auto& y : b) {
      cut_.insert({x, y});
      cut_.insert({y, x});
    }
}

void sim_net::heal() {
  cut_.clear();
  faults = {};
}

bool sim_net::reachable(const std::string& from, const std::string& to) const {
  return cut_.count({from, to}) == 0;
}

namespace {

// Never sent: a link has one handler of its own so that its behavior is not
// empty (an actor without behavior terminates); everything else it forwards.
using link_never_atom = caf::atom_constant<caf::atom("simnever")>;

caf::behavior link(caf::event_based_actor* self, std::shared_ptr<sim_net> net, std::string from,
                   std::string to, caf::actor target) {
  self->monitor(target);
  self->set_down_handler([self](caf::down_msg& m) { self->quit(m.reason); });
  self->set_default_handler(
    [self, net, from, to, target](caf::scheduled_actor*,
                                  caf::message_view& view) -> caf::result<caf::message> {
      caf::message msg = view.move_content_to_message();
      for (size_t i = 0; i < msg.size(); ++i)
        if (msg.match_element<caf::actor>(i)) {
          msg.force_unshare();
          auto& offered = *static_cast<caf::actor*>(msg.get_mutable(i));
          if (offered)
            offered = self->spawn(link, net, to, from, offered);
        }
      auto* current = self->current_mailbox_element();
      if (!net->reachable(from, to) || net->rng.chance(net->faults.drop_permille)) {
        ++net->dropped;
        return caf::delegated<caf::message>{};
      }
      int copies = net->rng.chance(net->faults.duplicate_permille) ? 2 : 1;
      net->duplicated += copies - 1;
      for (int c = 0; c < copies; ++c) {
        auto now = self->clock().now();
        int64_t now_ns = now.time_since_epoch().count();
        int64_t at_ns = now_ns;
        if (net->faults.max_delay_ms > 0 && net->rng.chance(net->faults.delay_permille)) {
          at_ns += static_cast<int64_t>(net->rng.between(1, net->faults.max_delay_ms)) * 1'000'000;
          ++net->delayed;
        }
        auto& busy = net->busy_until_ns[{from, to}];
        at_ns = std::max(at_ns, busy);
        busy = at_ns;
        auto elem = caf::make_mailbox_element(current->sender, current->mid, current->stages, msg);
        if (at_ns == now_ns) {
          target->enqueue(std::move(elem), self->context());
        } else {
          auto when = now + std::chrono::nanoseconds(at_ns - now_ns);
          self->system().clock().schedule_message(
            when, caf::actor_cast<caf::strong_actor_ptr>(target), std::move(elem));
        }
        ++net->delivered;
      }
      return caf::delegated<caf::message>{};
    });
  return {[](link_never_atom) {}};
}

caf::behavior connector(caf::event_based_actor* self, std::shared_ptr<sim_net> net,
                        std::string from) {
  return {
    [self, net, from](caf::connect_atom, const std::string&, uint16_t port)
      -> caf::result<caf::node_id, caf::strong_actor_ptr, std::set<std::string>> {
      auto i = net->node_of_port.find(port);
      caf::actor gate;
      if (i != net->node_of_port.end() && net->reachable(from, i->second) && net->gate_of)
        gate = net->gate_of(i->second);
      if (!gate) {
        ++net->refused;
        return caf::make_error(caf::sec::cannot_connect_to_node, "simulated: unreachable");
      }
      auto l = self->spawn(link, net, from, i->second, gate);
      return {self->system().node(), caf::actor_cast<caf::strong_actor_ptr>(l),
              std::set<std::string>{}};
    },
  };
}

} // namespace

caf::actor spawn_connector(caf::actor_system& sys, std::shared_ptr<sim_net> net, std::string from) {
  return sys.spawn(connector, std::move(net), std::move(from));
}

} // namespace keel::nodesim
