#include "actors/replication/transport_actor.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <utility>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "actors/base/core/fnv1a.hpp"
#include "actors/config/core/cluster_config.hpp"
#include "actors/log/logger.hpp"
#include "actors/lookup.hpp"
#include "actors/network/endpoint.hpp"
#include "actors/network/log_rate.hpp"
#include "actors/network/publish_self.hpp"
#include "actors/replication/core/message_check.hpp"
#include "actors/replication/core/snapshot_chunks.hpp"
#include "actors/replication/core/transport_batching.hpp"
#include "actors/replication/core/transport_faults.hpp"
#include "actors/replication/peer_dialer.hpp"
#include "actors/security/core/peer_incarnations.hpp"
#include "messages/type_ids.hpp"

namespace keel::transport {

namespace {

using std::chrono::milliseconds;

using network::time_to_log;

// Inbound messages dropped before they reached any peer's account.
struct drop_counters {
  uint64_t unknown_peer = 0;       // from or to a node that is not configured
  uint64_t wrong_destination = 0;  // inbound, `to` is another node
  uint64_t no_replica = 0;         // no local replica of the shard right now
  uint64_t unauthenticated = 0;    // reported by the gate: frames of no session, bad MAC
  uint64_t refused_handshakes = 0; // reported by the gate
  uint64_t not_local = 0;          // orders from an anonymous or remote sender
  uint64_t invalid = 0;            // authenticated messages refused by check_inbound
};

struct transport_state {
  static inline const char* name = "keel.transport";

  transport_config cfg;
  caf::actor connector; // the middleman actor, or the test's stand-in
  peer_set peers;
  outbox out{1}; // replaced in init(); outbox has no default size
  fault_rules faults{{}, 0};
  reconnect_backoff backoff{{}, 0};
  drop_counters drops;
  bool flush_scheduled = false; // invariant: true iff a flush_atom is in the mailbox
  std::set<uint32_t> local_shards;
  std::shared_ptr<spdlog::logger> log = component_logger("transport");
  std::map<std::string, metrics::peer_counters> traffic; // by configured peer
  snapshot_sender snapshots_out{chunking{}}; // replaced in init() with the configured chunking
  snapshot_assembler snapshots_in;
};

// Its timers (flush, tick) and reconnects are not part of transport_api: the
// actor is spawned with this private extension and handed out as
// transport_api, so no other actor holds a handle through which the compiler
// would let it drive them.
using transport_impl = transport_api::extend<caf::reacts_to<flush_atom>, caf::reacts_to<tick_atom>,
                                             caf::reacts_to<connect_atom, std::string>>;

using transport_actor = transport_impl::stateful_base<transport_state>;

uint64_t now_ms(transport_actor* self) {
  // The actor clock: virtual under the test coordinator, steady otherwise.
  auto since_epoch = self->clock().now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<milliseconds>(since_epoch).count());
}

std::set<std::string> peer_ids(const std::vector<peer_address>& peers) {
  std::set<std::string> ids;
  for (auto& p : peers)
    ids.insert(p.id);
  return ids;
}

// -- outbound -----------------------------------------------------------------

void schedule_flush(transport_actor* self) {
  auto& st = self->state;
  if (st.flush_scheduled)
    return;
  // Not delayed: the flush lands behind everything already in the mailbox, so
  // all messages that arrived in this turn leave together (one frame per peer).
  st.flush_scheduled = true;
  self->send(self, flush_atom_v);
}

// Queues one message written by a local replica (from == this node).
void send_out(transport_actor* self, raft::Message m) {
  auto& st = self->state;
  if (m.to() == st.cfg.node_id) { // loopback: delivered at the flush, like the rest
    st.out.push(std::move(m));
    schedule_flush(self);
    return;
  }
  auto* p = st.peers.find(m.to());
  if (!p) {
    st.cfg.metrics->dropped_unattributed("unknown_peer").inc();
    if (time_to_log(++st.drops.unknown_peer))
      st.log->warn("dropping a message to unknown node to={} shard={} (not in "
                   "cluster.conf; {} such drops so far)",
                   m.to(), m.shard(), st.drops.unknown_peer);
    return;
  }
  // A down peer gets nothing: Raft retries on its own timers, and holding
  // messages for a peer that may never return only grows the heap.
  if (!p->connected() || st.faults.drops(p->addr.id)) {
    ++p->messages_dropped;
    st.cfg.metrics->dropped(p->addr.id, p->connected() ? "fault_rule" : "peer_down").inc();
    return;
  }
  if (m.type() == raft::MSG_SNAPSHOT) {
    st.snapshots_out.start(m); // in pieces, from the next flush on
    schedule_flush(self);
    return;
  }
  if (st.out.push(std::move(m))) {
    ++p->messages_dropped; // the oldest pending message gave way
    st.cfg.metrics->dropped(p->addr.id, "queue_full").inc();
  }
  schedule_flush(self);
}

void deliver_local(transport_actor* self, raft::MessageBatch batch, uint32_t delay_ms);

void flush(transport_actor* self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  // One piece of each snapshot under way per flush, while its window has
  // room: each goes out in a frame of its own turn, between the heartbeats
  // and appends of the turns around it; the next flush takes the next piece.
  for (auto& chunk : st.snapshots_out.next_chunks())
    send_out(self, std::move(chunk));
  if (st.snapshots_out.has_chunk_to_send())
    schedule_flush(self);
  auto now = now_ms(self);
  for (auto& [node, batch] : st.out.drain()) {
    if (node == st.cfg.node_id) {
      deliver_local(self, std::move(batch), 0);
      continue;
    }
    auto* p = st.peers.find(node); // only configured peers are ever queued
    auto n = static_cast<uint64_t>(batch.messages_size());
    if (!p->connected()) {
      p->messages_dropped += n;
      st.cfg.metrics->dropped(node, "peer_down").inc(n);
      continue;
    }
    p->messages_sent += n;
    p->batches_sent += 1;
    p->last_sent_ms = now;
    auto bytes = batch.SerializeAsString();
    auto& traffic = st.traffic.at(node);
    traffic.sent_messages.inc(n);
    traffic.sent_frames.inc();
    traffic.sent_bytes.inc(bytes.size());
    auto frame = make_pb(p->sealer->seal(bytes));
    // Fire and forget: never wait on a peer (Raft tolerates loss). Anonymous,
    // so that the transport's address never reaches another node.
    if (auto delay = st.faults.delay_ms(node); delay > 0)
      caf::delayed_anon_send(p->handle, milliseconds(delay), raft_atom_v, std::move(frame));
    else
      caf::anon_send(p->handle, raft_atom_v, std::move(frame));
  }
}

// -- inbound ------------------------------------------------------------------

// Hands each shard's messages to the local replica of that shard.
void deliver_local(transport_actor* self, raft::MessageBatch batch, uint32_t delay_ms) {
  auto& st = self->state;
  for (auto& [shard, part] : split_by_shard(std::move(batch))) {
    auto replica = lookup::replica(*st.cfg.dir, st.cfg.root_path, shard);
    if (!replica) {
      st.drops.no_replica += static_cast<uint64_t>(part.messages_size());
      st.cfg.metrics->dropped_unattributed("no_replica")
        .inc(static_cast<uint64_t>(part.messages_size()));
      if (time_to_log(st.drops.no_replica))
        st.log->warn("dropping messages for shard={}: no replica at {} ({} such "
                     "drops so far)",
                     shard, paths::replica(st.cfg.root_path, shard), st.drops.no_replica);
      continue;
    }
    if (delay_ms > 0)
      self->delayed_send(replica, milliseconds(delay_ms), raft_atom_v, make_pb(std::move(part)));
    else
      self->send(replica, raft_atom_v, make_pb(std::move(part)));
  }
}

// Counts and drops a message from peer `p` that broke `rule`.
void refuse(transport_actor* self, peer& p, const raft::Message& m, std::string_view rule) {
  auto& st = self->state;
  ++st.drops.invalid;
  ++p.messages_invalid;
  auto name = std::string{rule};
  ++p.invalid_by_rule[name];
  st.cfg.metrics->invalid(p.addr.id, name).inc();
  if (time_to_log(p.messages_invalid))
    st.log->warn("dropping an invalid message from={} type={} shard={} term={}: {} ({} "
                 "invalid from {} so far)",
                 p.addr.id, static_cast<int>(m.type()), m.shard(), m.term(), name,
                 p.messages_invalid, p.addr.id);
}

// Stages one piece of a snapshot from `p` (snapshot_chunks.hpp); the last one
// makes the whole MSG_SNAPSHOT, which is checked like any replica's message.
void receive_chunk(transport_actor* self, peer& p, const raft::Message& chunk,
                   const raft::inbound_context& ctx, raft::MessageBatch& accepted) {
  auto& st = self->state;
  auto outcome = st.snapshots_in.receive(chunk);
  if (outcome.fault == chunk_fault::out_of_order) {
    // Not hostile by itself: a piece before it was lost (a fault rule), and
    // the leader's core resends the snapshot.
    ++p.messages_dropped;
    st.cfg.metrics->dropped(p.addr.id, "snapshot_chunk_out_of_order").inc();
    return;
  }
  if (outcome.fault) {
    refuse(self, p, chunk, to_string(*outcome.fault));
    return;
  }
  if (outcome.ack)
    send_out(self, std::move(*outcome.ack));
  if (!outcome.snapshot)
    return;
  if (auto fault = raft::check_inbound(*outcome.snapshot, ctx)) {
    refuse(self, p, *outcome.snapshot, raft::to_string(*fault));
    return;
  }
  st.log->info("received a snapshot of shard={} from={} in pieces: {} bytes, index={}",
               chunk.shard(), p.addr.id, chunk.chunk().total(),
               outcome.snapshot->snapshot().metadata().index());
  *accepted.add_messages() = std::move(*outcome.snapshot);
}

// Accepts the messages that arrived from node `from` in one frame.
void receive_from(transport_actor* self, const std::string& from, raft::MessageBatch batch) {
  auto& st = self->state;
  auto* p = st.peers.find(from);
  if (!p) {
    st.drops.unknown_peer += static_cast<uint64_t>(batch.messages_size());
    st.cfg.metrics->dropped_unattributed("unknown_peer")
      .inc(static_cast<uint64_t>(batch.messages_size()));
    if (time_to_log(st.drops.unknown_peer))
      st.log->warn("dropping messages from unknown node from={} (not in "
                   "cluster.conf; {} such drops so far)",
                   from, st.drops.unknown_peer);
    return;
  }
  st.traffic.at(from).received_bytes.inc(batch.ByteSizeLong());
  raft::MessageBatch accepted;
  bool heard = false;
  raft::inbound_context ctx{st.cfg.node_id, from, [self](uint32_t shard) {
                              return self->state.local_shards.count(shard) > 0;
                            }};
  for (auto& m : *batch.mutable_messages()) {
    auto fault = raft::check_inbound(m, ctx);
    if (fault && *fault != raft::message_fault::transport_only) {
      if (*fault == raft::message_fault::wrong_destination)
        ++st.drops.wrong_destination;
      refuse(self, *p, m, raft::to_string(*fault));
      continue;
    }
    if (st.faults.drops(from)) {
      ++p->messages_dropped;
      st.cfg.metrics->dropped(from, "fault_rule").inc();
      continue;
    }
    heard = true;
    ++p->messages_received;
    st.traffic.at(from).received_messages.inc();
    if (!fault)
      *accepted.add_messages() = std::move(m);
    else if (m.type() == raft::MSG_SNAPSHOT_CHUNK)
      receive_chunk(self, *p, m, ctx, accepted);
    else if (m.type() == raft::MSG_SNAPSHOT_CHUNK_ACK && st.snapshots_out.acknowledged(m))
      schedule_flush(self); // the window opened: the next chunk leaves with the next flush
    // (a transport heartbeat only feeds the detector)
  }
  // Any frame that got through is a heartbeat (Akka counts all traffic too);
  // a partitioned peer stays silent, so its phi grows as if it were gone.
  if (heard)
    p->detector.heartbeat(now_ms(self));
  if (accepted.messages_size() > 0)
    deliver_local(self, std::move(accepted), st.faults.delay_ms(from));
}

// Sends what local replicas wrote. A message that claims another sender is a
// bug of this node, never input from a peer (those come through the gate).
void route(transport_actor* self, raft::MessageBatch& batch) {
  auto& st = self->state;
  for (auto& m : *batch.mutable_messages()) {
    if (m.from() == st.cfg.node_id) {
      send_out(self, std::move(m));
      continue;
    }
    st.cfg.metrics->dropped_unattributed("not_local").inc();
    if (time_to_log(++st.drops.not_local))
      st.log->error("dropping a local message that claims from={} (this is node {})", m.from(),
                    st.cfg.node_id);
  }
}

// Orders come only from actors of this node: the gate, replicas, the
// service, dialers and the transport's own timers. Anything anonymous or
// remote is dropped, whatever it claims.
bool from_local(transport_actor* self) {
  auto& sender = self->current_sender();
  if (sender && sender->node() == self->node())
    return true;
  if (time_to_log(++self->state.drops.not_local))
    self->state.log->warn("dropping an order from a non-local sender ({} so far)",
                          self->state.drops.not_local);
  return false;
}

// -- connections --------------------------------------------------------------

void connect(transport_actor* self, peer& p);

void schedule_reconnect(transport_actor* self, peer& p) {
  auto delay = self->state.backoff.delay_ms(p.reconnect_attempts + 1);
  self->delayed_send(self, milliseconds(delay), connect_atom_v, p.addr.id);
}

// A closed connection is the quickest failure signal there is: a killed
// process's sockets close at once, long before an election timeout. Each local
// replica hears of it (raft::node::peer_unreachable; a hint, so a wrong one
// disrupts nobody): the followers of a shard that node led campaign now, and
// the leaders of shards it follows resend at once what went with the
// connection, a snapshot above all.
void tell_replicas(transport_actor* self, const std::string& lost) {
  auto& st = self->state;
  for (auto shard : st.cfg.local_shards)
    if (auto replica = lookup::replica(*st.cfg.dir, st.cfg.root_path, shard))
      self->send(replica, peer_atom_v, lost);
}

// The connection to `p` is gone (or never came up): forget its session and
// whatever waits for it, and try again after a backoff.
void on_link_down(transport_actor* self, peer& p, const std::string& why) {
  auto& st = self->state;
  bool was_up = p.connected();
  p.connecting = false;
  p.dialer = caf::actor{};
  p.handle = peer_gate_api{};
  p.sealer.reset();
  auto discarded = st.out.discard(p.addr.id);
  p.messages_dropped += discarded;
  st.cfg.metrics->dropped(p.addr.id, "peer_down").inc(discarded);
  // Pieces of a snapshot are not continued over another connection: the
  // leader's core hears of the loss (tell_replicas) and sends it anew.
  st.snapshots_out.forget(p.addr.id);
  st.snapshots_in.forget(p.addr.id);
  p.last_error = why;
  if (was_up) {
    p.state_since_ms = now_ms(self);
    st.log->warn("lost connection to peer={} address={}: {}", p.addr.id, p.address(), why);
    tell_replicas(self, p.addr.id);
  } else {
    ++p.reconnect_attempts;
    // Log the first failure, then at each power of two: a peer that stays
    // away for minutes costs a dozen lines, not thousands.
    auto n = p.reconnect_attempts;
    if ((n & (n - 1)) == 0)
      st.log->warn("cannot connect to peer={} address={}: {} (attempt {})", p.addr.id, p.address(),
                   why, n);
  }
  schedule_reconnect(self, p);
}

void on_authenticated(transport_actor* self, peer& p, peer_gate_api gate, uint64_t session,
                      std::string key) {
  auto& st = self->state;
  p.connecting = false;
  // Replace, never compare: a peer that restarted on the same port is a new
  // actor even where a handle compares equal (field guide, "Reconnecting").
  p.handle = std::move(gate);
  p.sealer.emplace(security::session_keys{session, std::move(key), p.addr.id});
  p.state_since_ms = now_ms(self);
  st.log->info("connected to peer={} address={} (authenticated) after {} failed attempts",
               p.addr.id, p.address(), p.reconnect_attempts);
  p.reconnect_attempts = 0;
}

// One connection per pair of nodes: the smaller id dials (and offers its
// gate); the other waits for that offer (peer_dialer.hpp).
bool dials(const transport_actor* self, const peer& p) {
  return self->state.cfg.node_id < p.addr.id;
}

void connect(transport_actor* self, peer& p) {
  auto& st = self->state;
  if (p.connected() || p.connecting)
    return;
  if (!dials(self, p) && !p.offered_gate)
    return; // the peer dials us; its offer starts the handshake
  p.connecting = true;
  dialer_config dc;
  dc.gate = dials(self, p) ? peer_gate_api{} : p.offered_gate;
  dc.own_gate = lookup::peer_gate(*st.cfg.dir, st.cfg.root_path);
  dc.transport = self;
  dc.connector = st.connector;
  dc.trust = st.cfg.trust;
  dc.incarnations = st.cfg.incarnations;
  dc.self = st.cfg.node_id;
  dc.peer = p.addr.id;
  dc.host = p.addr.host;
  dc.port = p.addr.port;
  dc.timeout_ms = st.cfg.connect_timeout_ms;
  p.dialer = spawn_dialer(self->system(), std::move(dc));
  self->monitor(p.dialer);
}

// A dialer that exits without having reported (it crashed) counts as a lost
// connection; one that reported first was already handled.
void on_down(transport_actor* self, const caf::down_msg& dm) {
  if (auto* p = self->state.peers.find_by_dialer(dm.source))
    on_link_down(self, *p, "connection owner exited: " + self->system().render(dm.reason));
}

// From a dialer: authenticated, or failed / lost. Reports of a dialer that
// was already replaced are ignored.
peer* reporting_peer(transport_actor* self, const std::string& id) {
  auto* p = self->state.peers.find(id);
  auto& sender = self->current_sender();
  if (!p || !sender || !p->dialer || sender->address() != p->dialer.address())
    return nullptr;
  return p;
}

// -- idle heartbeats ----------------------------------------------------------

// Every tick, each connected peer that got no frame during the last half
// interval gets a heartbeat, so that its failure detector hears from this node
// even when no Raft traffic flows between the two (followers of the same
// leaders exchange none).
void on_tick(transport_actor* self) {
  auto& st = self->state;
  auto now = now_ms(self);
  auto idle = st.cfg.idle_heartbeat_ms;
  for (auto& p : st.peers.all()) {
    if (!p.connected() || now - p.last_sent_ms < idle / 2)
      continue;
    raft::Message hb;
    hb.set_type(raft::MSG_TRANSPORT_HEARTBEAT);
    hb.set_from(st.cfg.node_id);
    hb.set_to(p.addr.id);
    send_out(self, std::move(hb));
  }
  self->delayed_send(self, milliseconds(idle), tick_atom_v);
}

// -- operator protocol --------------------------------------------------------

pb<admin::Members> members(transport_actor* self) {
  auto& st = self->state;
  auto now = now_ms(self);
  admin::Members out;
  out.set_node_id(st.cfg.node_id);
  out.set_phi_threshold(st.cfg.failure_detector.threshold);
  out.set_dropped_unknown_peer(st.drops.unknown_peer);
  out.set_dropped_wrong_destination(st.drops.wrong_destination);
  out.set_dropped_no_replica(st.drops.no_replica);
  out.set_dropped_unauthenticated(st.drops.unauthenticated);
  out.set_refused_handshakes(st.drops.refused_handshakes);
  auto* me = out.add_nodes();
  me->set_node_id(st.cfg.node_id);
  me->set_address(st.cfg.address);
  me->set_self(true);
  me->set_connected(true);
  me->set_verdict("alive");
  for (auto& p : st.peers.all()) {
    auto* info = out.add_nodes();
    info->set_node_id(p.addr.id);
    info->set_address(p.address());
    info->set_connected(p.connected());
    info->set_state_age_ms(now - p.state_since_ms);
    info->set_reconnect_attempts(p.reconnect_attempts);
    if (!p.connected()) {
      // A refusal for lost data outweighs whatever failed last: it is the
      // one an operator must act on, whichever side refused.
      auto refused = st.cfg.incarnations->refusal(p.addr.id);
      info->set_last_error(refused.empty() ? p.last_error : refused);
    }
    info->set_messages_sent(p.messages_sent);
    info->set_batches_sent(p.batches_sent);
    info->set_messages_received(p.messages_received);
    info->set_messages_dropped(p.messages_dropped);
    info->set_messages_invalid(p.messages_invalid);
    for (auto& [rule, n] : p.invalid_by_rule)
      (*info->mutable_invalid_by_rule())[rule] = n;
    info->set_phi(p.detector.phi(now));
    if (!p.detector.last_heartbeat_ms())
      info->set_verdict("unknown");
    else
      info->set_verdict(p.detector.available(now) ? "alive" : "suspect");
    for (auto& rule : st.faults.describe(p.addr.id))
      info->add_faults(rule);
  }
  return make_pb(std::move(out));
}

pb<admin::FaultResponse> fault(transport_actor* self, const admin::FaultRequest& req) {
  auto& st = self->state;
  auto resp = st.faults.apply(req);
  if (!resp.ok()) {
    st.log->warn("fault injection refused: {}", resp.error());
    return make_pb(std::move(resp));
  }
  st.log->warn("fault injection: {}", resp.detail());
  // A partition also takes what already waits for that peer.
  if (req.fault_case() == admin::FaultRequest::kPartition)
    if (auto* p = st.peers.find(req.partition().peer()))
      if (auto discarded = st.out.discard(p->addr.id); discarded > 0) {
        p->messages_dropped += discarded;
        st.cfg.metrics->dropped(p->addr.id, "fault_rule").inc(discarded);
      }
  return make_pb(std::move(resp));
}

transport_impl::behavior_type transport(transport_actor* self, transport_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.connector = st.cfg.connector ? st.cfg.connector
                                  : network::endpoint(self->system()); // TLS when the node has it
  st.peers = peer_set(st.cfg.peers, st.cfg.failure_detector);
  for (auto& p : st.cfg.peers)
    st.traffic.emplace(p.id, st.cfg.metrics->peer(p.id));
  st.out = outbox(st.cfg.max_pending_per_peer);
  st.snapshots_out = snapshot_sender(st.cfg.snapshot_chunks);
  st.faults = fault_rules(peer_ids(st.cfg.peers), st.cfg.seed);
  st.local_shards = {st.cfg.local_shards.begin(), st.cfg.local_shards.end()};
  network::drop_unexpected(self, &st.drops.not_local);
  // A different stream for jitter, so that fault draws do not shift retries.
  st.backoff = reconnect_backoff(st.cfg.reconnect, st.cfg.seed ^ 0x9e3779b97f4a7c15ULL);
  self->set_down_handler([self](caf::down_msg& dm) { on_down(self, dm); });
  auto now = now_ms(self);
  for (auto& p : st.peers.all()) {
    p.state_since_ms = now;
    connect(self, p);
  }
  // Offers the gate kept while this transport was away (a restart).
  if (auto g = lookup::peer_gate(*st.cfg.dir, st.cfg.root_path))
    self->send(g, connect_atom_v);
  if (st.cfg.idle_heartbeat_ms > 0)
    self->delayed_send(self, milliseconds(st.cfg.idle_heartbeat_ms), tick_atom_v);
  st.log->info("transport started node={} peers={}", st.cfg.node_id, st.cfg.peers.size());
  return {
    [self](raft_atom, pb<raft::MessageBatch>& batch) {
      if (from_local(self))
        route(self, batch.msg);
    },
    [self](raft_atom, const std::string& from, pb<raft::MessageBatch>& batch) {
      if (from_local(self))
        receive_from(self, from, std::move(batch.msg));
    },
    [self](peer_atom, uint64_t unauthenticated, uint64_t refused) {
      if (!from_local(self))
        return;
      auto& st = self->state;
      st.drops.unauthenticated += unauthenticated;
      st.drops.refused_handshakes += refused;
      st.cfg.metrics->dropped_unattributed("unauthenticated").inc(unauthenticated);
      st.cfg.metrics->dropped_unattributed("refused_handshake").inc(refused);
    },
    [self](peer_atom, const std::string& id, peer_gate_api& gate, uint64_t session,
           std::string& key) {
      if (!from_local(self))
        return;
      if (auto* p = reporting_peer(self, id))
        on_authenticated(self, *p, std::move(gate), session, std::move(key));
    },
    [self](peer_atom, const std::string& id, const std::string& why) {
      if (!from_local(self))
        return;
      if (auto* p = reporting_peer(self, id)) {
        self->demonitor(p->dialer);
        on_link_down(self, *p, why);
      }
    },
    [self](flush_atom) {
      if (from_local(self))
        flush(self);
    },
    [self](connect_atom, const std::string& id, peer_gate_api& gate) {
      if (!from_local(self))
        return;
      auto* p = self->state.peers.find(id);
      if (!p || dials(self, *p))
        return;
      p->offered_gate = std::move(gate);
      connect(self, *p);
    },
    [self](connect_atom, const std::string& peer_id) {
      if (!from_local(self))
        return;
      if (auto* p = self->state.peers.find(peer_id))
        connect(self, *p);
    },
    [self](tick_atom) {
      if (from_local(self))
        on_tick(self);
    },
    [self](fault_atom, pb<admin::FaultRequest>& req) -> caf::result<pb<admin::FaultResponse>> {
      if (!from_local(self))
        return caf::make_error(caf::sec::unexpected_message);
      return fault(self, req.msg);
    },
    [self](members_atom) -> caf::result<pb<admin::Members>> {
      if (!from_local(self))
        return caf::make_error(caf::sec::unexpected_message);
      return members(self);
    },
  };
}

// FNV-1a 64: a seed that is stable for a node id across runs and platforms.
uint64_t seed_of(const std::string& node_id) { return fnv1a::of(node_id); }

} // namespace

transport_config make_transport_config(const config::cluster_config& cfg,
                                       const std::string& node_id,
                                       std::shared_ptr<sup::directory> dir) {
  auto* self = cfg.find_node(node_id);
  transport_config t;
  t.node_id = node_id;
  t.address = self->host + ":" + std::to_string(self->port);
  for (auto& n : cfg.nodes)
    if (n.id != node_id)
      t.peers.push_back({n.id, n.host, n.peer_port});
  t.local_shards = cfg.shards_on(node_id);
  t.root_path = "/" + node_id;
  t.dir = std::move(dir);
  auto beat = cfg.timing.transport_heartbeat_ms;
  t.idle_heartbeat_ms = beat;
  t.failure_detector.threshold = cfg.timing.failure_detector_phi;
  t.failure_detector.first_heartbeat_estimate_ms = beat;
  // Raft and idle heartbeats arrive at least every `beat` ms; a floor of half
  // of it keeps the scheduling noise of a loaded 2-core box from looking fatal.
  t.failure_detector.min_std_dev_ms = std::max<uint32_t>(beat / 2, 10);
  // CAF fails a connect to a frozen peer after one heartbeat interval; this
  // only bounds a connect that hangs for another reason.
  t.connect_timeout_ms = std::max<uint32_t>(2 * cfg.timing.connection_timeout_ms, 1000);
  t.seed = seed_of(node_id);
  return t;
}

transport_api spawn_transport(caf::actor_system& sys, transport_config cfg) {
  return sys.spawn(transport, std::move(cfg));
}

} // namespace keel::transport
