#include "actors/node/node_tree.hpp"

#include "caf/all.hpp"

#include "actors/lookup.hpp"
#include "actors/metrics/core/node_metrics.hpp"
#include "actors/security/core/peer_incarnations.hpp"
#include "actors/service/service_actor.hpp"
#include "actors/storage/core/engine.hpp"

namespace keel::node {

namespace {

// Supervisors hold their children as caf::actor, whatever their protocol: each
// start function below hands its typed handle over with as_child, and the
// actors that look a sibling up get it typed again from actors/lookup.hpp.
template <class Handle>
caf::expected<caf::actor> as_child(caf::expected<Handle> started) {
  if (!started)
    return std::move(started.error());
  return caf::actor_cast<caf::actor>(std::move(*started));
}

template <class Handle>
caf::expected<caf::actor> as_child(Handle started) {
  return caf::actor_cast<caf::actor>(std::move(started));
}

// Restart intensities (docs/supervision.md explains each). A shard restarts
// on its own a few times; past that its supervisor gives up and the shards
// supervisor starts the shard afresh; past that the root restarts what depends
// on the shards; past that the node stops and the other nodes serve.
constexpr sup::flags shard_flags{sup::strategy::rest_for_one, 5, 10'000, 100};
constexpr sup::flags shards_flags{sup::strategy::one_for_one, 3, 10'000, 0};
constexpr sup::flags replication_flags{sup::strategy::one_for_one, 10, 10'000, 0};
constexpr sup::flags monitor_flags{sup::strategy::one_for_one, 5, 10'000, 0};
constexpr sup::flags root_flags{sup::strategy::rest_for_one, 3, 10'000, 0};

storage::limits limits_of(const config::cluster_config& cfg) {
  return storage::limits{cfg.limits.max_key_bytes, cfg.limits.max_value_bytes};
}

// The replica takes its storage actor's handle at start. rest_for_one starts
// the storage actor first and publishes it before the replica's start runs,
// and restarts the replica whenever the storage actor restarts, so the handle
// cannot go stale while the replica lives. A missing storage actor is a failed
// start: the supervisor retries it, and the retries count against its intensity.
sup::child_spec replica_child(replication::replica_config rc) {
  sup::child_spec child;
  child.id = paths::replica_id;
  child.start = [rc = std::move(rc)](const sup::start_context& ctx) -> caf::expected<caf::actor> {
    auto cfg = rc;
    cfg.storage = lookup::storage(*ctx.dir, cfg.root_path, cfg.shard);
    if (!cfg.storage)
      return caf::make_error(caf::sec::runtime_error, "storage actor of shard "
                                                        + std::to_string(cfg.shard)
                                                        + " is not running");
    return as_child(replication::spawn_replica(ctx.supervisor->system(), std::move(cfg)));
  };
  child.shutdown = sup::shutdown_spec::after_ms(3000);
  return child;
}

sup::supervisor_spec shard_tree(const config::cluster_config& cfg, const config::node_config& self,
                                uint32_t shard, std::shared_ptr<storage::engine> engine,
                                std::shared_ptr<sup::directory> dir,
                                const node_tree_options& opts) {
  sup::supervisor_spec spec;
  spec.f = shard_flags;
  sup::child_spec storage;
  storage.id = paths::storage_id;
  // The log syncer, like the replica's storage actor below, is started and
  // published before this start runs (the root is rest_for_one: a restarted
  // syncer restarts every shard), so the handle cannot go stale.
  storage.start = [engine = std::move(engine), shard, lim = limits_of(cfg),
                   mode = opts.storage_mode, m = opts.metrics, root = paths::root(self.id)](
                    const sup::start_context& ctx) -> caf::expected<caf::actor> {
    auto syncer = lookup::log_syncer(*ctx.dir, root);
    if (!syncer)
      return caf::make_error(caf::sec::runtime_error, "the log syncer is not running");
    return as_child(storage::spawn_storage_actor(ctx.supervisor->system(), engine,
                                                 std::move(syncer), shard, lim, mode, m));
  };
  storage.shutdown = sup::shutdown_spec::after_ms(5000);
  spec.children.push_back(std::move(storage));
  auto rc = replication::make_replica_config(cfg, self.id, shard, std::move(dir));
  rc.read_without_read_index = opts.unsafe.read_without_read_index;
  rc.metrics = opts.metrics;
  spec.children.push_back(replica_child(std::move(rc)));
  return spec;
}

sup::supervisor_spec shards_tree(const config::cluster_config& cfg, const config::node_config& self,
                                 const std::shared_ptr<storage::engine>& engine,
                                 const std::shared_ptr<sup::directory>& dir,
                                 const node_tree_options& opts) {
  sup::supervisor_spec spec;
  spec.f = shards_flags;
  for (auto shard : cfg.shards_on(self.id))
    spec.children.push_back(sup::supervisor_child(paths::shard_id(shard),
                                                  shard_tree(cfg, self, shard, engine, dir, opts)));
  return spec;
}

// What this node's data directory says of its own incarnation and of its
// peers' (security/core/peer_incarnations.hpp), shared by the gate and the
// transport's dialers; a first-seen peer is recorded through the engine.
std::shared_ptr<security::peer_incarnations>
incarnation_book(const std::shared_ptr<storage::engine>& engine) {
  return std::make_shared<security::peer_incarnations>(
    engine->incarnation(), engine->peer_incarnations(),
    [engine](const std::string& peer, uint64_t incarnation) -> security::result<void> {
      if (auto stored = engine->remember_peer_incarnation(peer, incarnation); !stored)
        return security::security_error{security::errc::io, stored.error().detail};
      return {};
    });
}

// The transport first: the gate hands it what peers send.
sup::supervisor_spec replication_tree(
  const config::cluster_config& cfg, const config::node_config& self,
  const std::shared_ptr<sup::directory>& dir, const std::shared_ptr<const security::trust>& trust,
  const std::shared_ptr<security::peer_incarnations>& incarnations, const node_tree_options& opts) {
  sup::supervisor_spec spec;
  spec.f = replication_flags;
  sup::child_spec transport;
  transport.id = paths::transport_id;
  auto tc = transport::make_transport_config(cfg, self.id, dir);
  tc.trust = trust;
  tc.incarnations = incarnations;
  tc.connector = opts.connector;
  tc.metrics = opts.metrics;
  if (opts.snapshot_chunk_bytes > 0)
    tc.snapshot_chunks.chunk_bytes = opts.snapshot_chunk_bytes;
  transport.start = [tc](const sup::start_context& ctx) -> caf::expected<caf::actor> {
    return as_child(transport::spawn_transport(ctx.supervisor->system(), tc));
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
  gc.incarnations = incarnations;
  gc.dir = dir;
  gc.publish = opts.publish;
  sup::child_spec gate;
  gate.id = paths::gate_id;
  gate.start = [gc](const sup::start_context& ctx) -> caf::expected<caf::actor> {
    return as_child(transport::spawn_peer_gate(ctx.supervisor->system(), gc));
  };
  gate.shutdown = sup::shutdown_spec::after_ms(2000);
  spec.children.push_back(std::move(gate));
  return spec;
}

sup::supervisor_spec monitor_tree(const config::cluster_config& cfg,
                                  const config::node_config& self,
                                  const std::shared_ptr<sup::directory>& dir) {
  sup::supervisor_spec spec;
  spec.f = monitor_flags;
  sup::child_spec membership;
  membership.id = paths::membership_id;
  membership.start = [mc = monitor::membership_config{self.id, paths::root(self.id),
                                                      cfg.timing.transport_heartbeat_ms, dir}](
                       const sup::start_context& ctx) -> caf::expected<caf::actor> {
    return as_child(monitor::spawn_membership(ctx.supervisor->system(), mc));
  };
  membership.shutdown = sup::shutdown_spec::after_ms(1000);
  spec.children.push_back(std::move(membership));
  return spec;
}

sup::child_spec log_syncer_child(const config::cluster_config& cfg,
                                 const std::shared_ptr<storage::engine>& engine,
                                 const node_tree_options& opts) {
  sup::child_spec syncer;
  syncer.id = paths::log_syncer_id;
  // On the scheduler unless asked otherwise (log_syncer.hpp, "Where the fsync
  // runs"); asked, the gate's worker has a thread of its own where the node's
  // storage work does (not under the simulation's deterministic scheduler).
  syncer.start = [engine, gated = cfg.log_sync_thread, mode = opts.storage_mode,
                  m = opts.metrics](const sup::start_context& ctx) -> caf::expected<caf::actor> {
    auto& sys = ctx.supervisor->system();
    return as_child(gated ? storage::spawn_gated_log_syncer(sys, engine, mode, m)
                          : storage::spawn_log_syncer(sys, engine, m));
  };
  syncer.shutdown = sup::shutdown_spec::after_ms(5000);
  return syncer;
}

sup::child_spec service_child(const config::cluster_config& cfg, const config::node_config& self,
                              const std::shared_ptr<sup::directory>& dir,
                              const std::shared_ptr<const security::trust>& trust,
                              const node_tree_options& opts) {
  service::service_config svc;
  svc.node_id = self.id;
  svc.root_path = paths::root(self.id);
  svc.host = self.host;
  svc.port = self.port;
  svc.publish = opts.publish;
  svc.ack_before_commit = opts.unsafe.ack_before_commit;
  svc.shards = cfg.shards;
  svc.local_shards = cfg.shards_on(self.id);
  svc.limits = limits_of(cfg);
  svc.fault_injection = cfg.fault_injection;
  svc.trust = trust;
  svc.dir = dir;
  svc.metrics = opts.metrics;
  sup::child_spec service;
  service.id = paths::service_id;
  service.start = [svc](const sup::start_context& ctx) -> caf::expected<caf::actor> {
    return as_child(service::spawn_service(ctx.supervisor->system(), svc));
  };
  service.shutdown = sup::shutdown_spec::after_ms(2000);
  return service;
}

} // namespace

sup::supervisor_spec node_tree_spec(const config::cluster_config& cfg,
                                    const config::node_config& self,
                                    const std::shared_ptr<storage::engine>& engine,
                                    const std::shared_ptr<sup::directory>& dir,
                                    const std::shared_ptr<const security::trust>& trust,
                                    const node_tree_options& given) {
  auto opts = given;
  if (!opts.metrics)
    opts.metrics = std::make_shared<metrics::node_metrics>();
  // Start order is dependency order, and rest_for_one restarts everything
  // after a child that gave up: replicas send through the transport, every
  // shard's storage syncs through the log syncer, the service routes to the
  // replicas and asks the transport and the monitor.
  // The monitor comes after the shards because restarting it is cheap and
  // its giving up must not cost every replica a reload.
  sup::supervisor_spec root;
  root.f = root_flags;
  root.children.push_back(
    sup::supervisor_child(paths::replication_id,
                          replication_tree(cfg, self, dir, trust, incarnation_book(engine), opts)));
  root.children.push_back(log_syncer_child(cfg, engine, opts));
  root.children.push_back(
    sup::supervisor_child(paths::shards_id, shards_tree(cfg, self, engine, dir, opts)));
  root.children.push_back(sup::supervisor_child(paths::monitor_id, monitor_tree(cfg, self, dir)));
  root.children.push_back(service_child(cfg, self, dir, trust, opts));
  return root;
}

caf::actor spawn_node_tree(caf::actor_system& sys, const config::cluster_config& cfg,
                           const config::node_config& self,
                           const std::shared_ptr<storage::engine>& engine,
                           std::shared_ptr<sup::directory> dir,
                           const std::shared_ptr<const security::trust>& trust,
                           const node_tree_options& given) {
  auto opts = given;
  if (!opts.metrics)
    opts.metrics = std::make_shared<metrics::node_metrics>();
  auto spec = node_tree_spec(cfg, self, engine, dir, trust, opts);
  return sup::spawn_supervisor(sys, paths::root(self.id), std::move(spec), std::move(dir),
                               opts.metrics);
}

} // namespace keel::node
