#include "apps/keel_node/node_tree.hpp"

#include "caf/all.hpp"

#include "actors/client/service_actor.hpp"
#include "actors/monitor/membership_actor.hpp"
#include "actors/paths.hpp"
#include "actors/replication/peer_gate_actor.hpp"
#include "actors/replication/replica_actor.hpp"
#include "actors/replication/transport_actor.hpp"
#include "actors/storage/engine/engine.hpp"
#include "actors/storage/storage_actor.hpp"
#include "supervisors/supervisor.hpp"

namespace keel::node {

namespace {

storage::limits limits_of(const config::cluster_config& cfg) {
  return storage::limits{cfg.limits.max_key_bytes, cfg.limits.max_value_bytes};
}

sup::supervisor_spec storage_tree(const config::cluster_config& cfg,
                                  const config::node_config& self,
                                  std::shared_ptr<storage::engine> engine) {
  sup::supervisor_spec spec;
  spec.f = {sup::strategy::one_for_one, 5, 10'000};
  for (auto shard : cfg.shards_on(self.id)) {
    sup::child_spec child;
    child.id = paths::shard_id(shard);
    child.start = [engine, shard, lim = limits_of(cfg)](const sup::start_context& ctx)
      -> caf::expected<caf::actor> {
      return storage::spawn_storage_actor(ctx.supervisor->system(), engine, shard, lim);
    };
    child.shutdown = {sup::shutdown_spec::kind::timeout, 5000};
    spec.children.push_back(std::move(child));
  }
  return spec;
}

// The transport first: replicas send through it from their first turn. The
// gate next: it hands what peers send to the transport.
sup::supervisor_spec replication_tree(const config::cluster_config& cfg,
                                      const config::node_config& self,
                                      std::shared_ptr<sup::directory> dir,
                                      std::shared_ptr<const security::trust> trust) {
  sup::supervisor_spec spec;
  spec.f = {sup::strategy::one_for_one, 10, 10'000};
  // A replica whose storage actor is restarting fails to start; retry soon.
  spec.f.retry_delay_ms = 100;
  sup::child_spec transport;
  transport.id = "transport";
  auto tc = transport::make_transport_config(cfg, self.id, dir);
  tc.trust = trust;
  transport.start = [tc](const sup::start_context& ctx) -> caf::expected<caf::actor> {
    return transport::spawn_transport(ctx.supervisor->system(), tc);
  };
  transport.shutdown = sup::shutdown_spec::after_ms(2000);
  spec.children.push_back(std::move(transport));
  transport::peer_gate_config gc;
  gc.node_id = self.id;
  gc.root_path = paths::root(self.id);
  gc.host = self.host;
  gc.peer_port = self.peer_port;
  for (auto& n : cfg.nodes)
    if (n.id != self.id)
      gc.members.push_back(n.id);
  gc.trust = trust;
  gc.dir = dir;
  sup::child_spec gate;
  gate.id = "gate";
  gate.start = [gc](const sup::start_context& ctx) -> caf::expected<caf::actor> {
    return transport::spawn_peer_gate(ctx.supervisor->system(), gc);
  };
  gate.shutdown = sup::shutdown_spec::after_ms(2000);
  spec.children.push_back(std::move(gate));
  for (auto shard : cfg.shards_on(self.id)) {
    sup::child_spec child;
    child.id = paths::shard_id(shard);
    child.start = [rc = replication::make_replica_config(cfg, self.id, shard, dir)](
                    const sup::start_context& ctx) -> caf::expected<caf::actor> {
      return replication::spawn_replica(ctx.supervisor->system(), rc);
    };
    child.shutdown = sup::shutdown_spec::after_ms(3000);
    spec.children.push_back(std::move(child));
  }
  return spec;
}

} // namespace

caf::actor spawn_node_tree(caf::actor_system& sys, const config::cluster_config& cfg,
                           const config::node_config& self,
                           std::shared_ptr<storage::engine> engine,
                           std::shared_ptr<sup::directory> dir,
                           std::shared_ptr<const security::trust> trust) {
  auto root_path = paths::root(self.id);
  sup::supervisor_spec root;
  root.f = {sup::strategy::rest_for_one, 3, 10'000};
  root.children.push_back(
    sup::supervisor_child("storage", storage_tree(cfg, self, engine)));
  root.children.push_back(
    sup::supervisor_child("replication", replication_tree(cfg, self, dir, trust)));
  sup::supervisor_spec monitor{{sup::strategy::one_for_one, 5, 10'000}, {}};
  sup::child_spec membership;
  membership.id = "membership";
  membership.start = [mc = monitor::membership_config{self.id, root_path,
                                                      cfg.timing.transport_heartbeat_ms, dir}](
                       const sup::start_context& ctx) -> caf::expected<caf::actor> {
    return monitor::spawn_membership(ctx.supervisor->system(), mc);
  };
  membership.shutdown = sup::shutdown_spec::after_ms(1000);
  monitor.children.push_back(std::move(membership));
  root.children.push_back(sup::supervisor_child("monitor", std::move(monitor)));

  client::service_config svc;
  svc.node_id = self.id;
  svc.root_path = root_path;
  svc.host = self.host;
  svc.port = self.port;
  svc.shards = cfg.shards;
  svc.local_shards = cfg.shards_on(self.id);
  svc.limits = limits_of(cfg);
  svc.fault_injection = cfg.fault_injection;
  svc.trust = trust;
  svc.dir = dir;
  sup::child_spec service;
  service.id = "service";
  service.start = [svc](const sup::start_context& ctx) -> caf::expected<caf::actor> {
    return client::spawn_service(ctx.supervisor->system(), svc);
  };
  service.shutdown = {sup::shutdown_spec::kind::timeout, 2000};
  root.children.push_back(std::move(service));

  return sup::spawn_supervisor(sys, root_path, std::move(root), std::move(dir));
}

} // namespace keel::node
