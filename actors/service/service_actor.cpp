#include "actors/service/service_actor.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string_view>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "actors/base/core/deadline_fifo.hpp"
#include "actors/config/core/cluster_config.hpp"
#include "actors/config/core/placement.hpp"
#include "actors/log/logger.hpp"
#include "actors/lookup.hpp"
#include "actors/network/endpoint.hpp"
#include "actors/network/publish_self.hpp"
#include "actors/network/wall_clock.hpp"
#include "actors/security/core/operator_proof.hpp"
#include "messages/type_ids.hpp"
#include "supervisors/directory.hpp"

namespace keel::service {

namespace {

using clock_type = caf::actor_clock::clock_type;

// Where the answer to one client request goes: the promise of a request sent
// alone, or the batch answers of the client that sent it in a batch, under
// the tag it chose.
struct reply_to {
  caf::typed_response_promise<pb<kv::Response>> promise; // a request sent alone
  caf::strong_actor_ptr client;                          // else: a batch's sender
  uint64_t tag = 0;
};

// A client request handed to a shard's replica, until it is answered.
struct in_flight_request {
  reply_to to;
  const char* op;                 // its `op` label (op_of)
  clock_type::time_point arrived; // for its latency histogram
  bool read;                      // a read's failure is a definite "not served"
  std::string path;               // the replica asked, for the error text
};

// How often the service looks for requests past request_timeout_ms while
// any is in flight: the timeout answer may come this much late.
constexpr auto sweep_interval = std::chrono::milliseconds(100);

struct service_state {
  static inline const char* name = "keel.service";
  service_config cfg;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::unique_ptr<security::operator_gate> operators;   // remembers used proofs
  uint64_t unexpected = 0;                              // messages no handler matches (dropped)
  std::set<std::pair<uint32_t, std::string>> lag_shown; // (shard, follower) with a lag gauge
  // The series each (op, status) counts into, looked up once (registry.hpp:
  // a lookup takes a lock and builds the label text; a request should not).
  std::map<std::pair<std::string_view, int>, metrics::counter*> request_counts;
  std::map<std::string_view, metrics::histogram*> request_times;
  metrics::histogram* batch_sizes = nullptr;
  // Requests at the replicas by deadline (ms of the actor clock since
  // `epoch`), checked by a sweep timer instead of a CAF timeout per request
  // (base/core/deadline_fifo.hpp says why).
  deadline_fifo<in_flight_request> in_flight;
  clock_type::time_point epoch;
  bool sweep_armed = false;
  clock_type::time_point next_sweep; // a tick before it is not the sweep's own
  // Answers to batched requests, per client, sent at the end of the turn
  // (flush_atom to self), so that the answers of one Raft commit travel
  // together. Keyed by the client's control block; the value keeps it alive.
  std::map<caf::actor_control_block*, std::pair<caf::strong_actor_ptr, kv::ResponseBatch>> outbox;
  size_t outbox_bytes = 0;
  bool flush_planned = false;
  caf::actor_addr door; // what clients hold for this service (weak: the door holds us)
};

// The sweep's timer and the outbox's flush are not part of service_api: a
// client holding the published handle cannot name them through the compiler
// (and a forged one does no harm: a tick arriving early is ignored, see
// next_sweep; a flush sends what is ready a little sooner).
using service_impl = service_api::extend<caf::reacts_to<tick_atom>, caf::reacts_to<flush_atom>>;
using service_actor = service_impl::stateful_base<service_state>;

uint64_t ms_since_epoch(service_actor* self) {
  auto elapsed = self->clock().now() - self->state.epoch;
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
}

pb<kv::Response> answer(kv::Status status, std::string error) {
  kv::Response r;
  r.set_status(status);
  r.set_error(std::move(error));
  return make_pb(std::move(r));
}

const std::string& key_of(const kv::Request& req) {
  switch (req.op_case()) {
    case kv::Request::kGet: return req.get().key();
    case kv::Request::kPut: return req.put().key();
    case kv::Request::kDel: return req.del().key();
    case kv::Request::kCas: return req.cas().key();
    default: break;
  }
  static const std::string none;
  return none;
}

bool is_read(const kv::Request& req) { return req.op_case() == kv::Request::kGet; }

// The `op` label of a request (node_metrics.hpp).
const char* op_of(const kv::Request& req) {
  switch (req.op_case()) {
    case kv::Request::kGet: return req.get().serializable() ? "get_serializable" : "get";
    case kv::Request::kPut: return "put";
    case kv::Request::kDel: return "del";
    case kv::Request::kCas: return "cas";
    default: return "invalid";
  }
}

// Counts one answered request and its time from arrival to answer.
void count(service_state& st, std::string_view op, std::chrono::steady_clock::time_point arrived,
           const kv::Response& resp) {
  auto& counter = st.request_counts[{op, resp.status()}];
  if (!counter)
    counter = &st.cfg.metrics->requests(op, metrics::outcome_label(kv::Status_Name(resp.status())));
  counter->inc();
  auto& timer = st.request_times[op];
  if (!timer)
    timer = &st.cfg.metrics->request_seconds(op);
  timer->observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - arrived).count());
}

// Sends `answers` to the client actor that sent a batch, in the name of the
// front door it sent the batch to: a client takes answers only from the actor
// it asked (kv_channel.hpp). Unpublished (the simulation), in its own name.
void send_answers(service_actor* self, const caf::strong_actor_ptr& client,
                  kv::ResponseBatch answers) {
  auto to = caf::actor_cast<caf::actor>(client);
  if (auto door = caf::actor_cast<caf::actor>(self->state.door))
    caf::send_as(door, to, kv_atom_v, make_pb(std::move(answers)));
  else
    caf::unsafe_send_as(self, to, kv_atom_v, make_pb(std::move(answers)));
}

// Sends every client its batched answers.
void flush(service_actor* self) {
  auto& st = self->state;
  st.flush_planned = false;
  st.outbox_bytes = 0;
  auto out = std::move(st.outbox);
  st.outbox.clear();
  for (auto& [key, entry] : out)
    send_answers(self, entry.first, std::move(entry.second));
}

// Answers one request: at once if it came alone, else into its client's
// batch, which leaves at the end of this turn or once it is batch_cut_bytes.
void reply(service_actor* self, reply_to& to, pb<kv::Response> resp) {
  if (!to.client) {
    to.promise.deliver(std::move(resp));
    return;
  }
  auto& st = self->state;
  auto& entry = st.outbox[to.client.get()];
  if (!entry.first)
    entry.first = std::move(to.client);
  auto* answer = entry.second.add_responses();
  answer->set_tag(to.tag);
  st.outbox_bytes += resp->ByteSizeLong();
  *answer->mutable_response() = std::move(resp.msg);
  if (st.outbox_bytes >= batch_cut_bytes) {
    flush(self);
  } else if (!st.flush_planned) {
    st.flush_planned = true;
    self->send(self, flush_atom_v);
  }
}

void arm_sweep(service_actor* self) {
  auto& st = self->state;
  if (st.sweep_armed || st.in_flight.empty())
    return;
  st.sweep_armed = true;
  st.next_sweep = self->clock().now() + sweep_interval;
  self->delayed_send(self, sweep_interval, tick_atom_v);
}

// Answers every request whose replica has not answered within
// request_timeout_ms, as CAF's request timeout did.
void sweep(service_actor* self) {
  auto& st = self->state;
  if (!st.sweep_armed || self->clock().now() < st.next_sweep)
    return;
  st.sweep_armed = false;
  for (auto& r : st.in_flight.expire(ms_since_epoch(self))) {
    auto why = r.path + ": no answer within " + std::to_string(st.cfg.request_timeout_ms) + " ms";
    auto resp = answer(r.read ? kv::STATUS_UNAVAILABLE : kv::STATUS_TIMEOUT, std::move(why));
    count(st, r.op, r.arrived, resp.msg);
    reply(self, r.to, std::move(resp));
  }
  arm_sweep(self);
}

// Routes one client request to the actor serving its shard; the answer goes
// to `to`. An error after the request was handed over means the outcome is
// unknown (the write may have been applied before the shard's actor crashed),
// so it maps to STATUS_TIMEOUT; only a failure before handing over is a
// definite STATUS_UNAVAILABLE.
void route(service_actor* self, pb<kv::Request> req, reply_to to) {
  auto& st = self->state;
  auto arrived = std::chrono::steady_clock::now();
  const char* op = op_of(req.msg);
  auto done = [self, op, arrived, &to](pb<kv::Response> resp) {
    count(self->state, op, arrived, resp.msg);
    reply(self, to, std::move(resp));
  };
  if (auto checked = storage::validate(req.msg, st.cfg.limits); !checked)
    return done(answer(kv::STATUS_INVALID_ARGUMENT, checked.error().detail));
  auto shard = config::shard_of(key_of(req.msg), st.cfg.shards);
  auto path = paths::replica(st.cfg.root_path, shard);
  auto target = lookup::replica(*st.cfg.dir, st.cfg.root_path, shard);
  if (!target)
    return done(answer(kv::STATUS_UNAVAILABLE, "shard " + std::to_string(shard)
                                                 + " is not served on node " + st.cfg.node_id
                                                 + " right now (" + path + " not running)"));
  if (st.cfg.ack_before_commit && req.msg.has_put()) {
    caf::anon_send(target, kv_atom_v, std::move(req));
    return done(answer(kv::STATUS_OK, ""));
  }
  auto read = is_read(req.msg);
  auto id = st.in_flight.add(ms_since_epoch(self) + st.cfg.request_timeout_ms,
                             in_flight_request{std::move(to), op, arrived, read, path});
  arm_sweep(self);
  // A replica answers every request it takes (replica_actor.cpp), and CAF
  // answers one sent to a replica that is gone (request_receiver_down); only
  // a replica that dies while holding requests leaves them to the sweep.
  self->request(target, caf::infinite, kv_atom_v, std::move(req))
    .then(
      [self, id](pb<kv::Response>& resp) {
        if (auto r = self->state.in_flight.take(id)) {
          count(self->state, r->op, r->arrived, resp.msg);
          reply(self, r->to, std::move(resp));
        }
      },
      [self, id](caf::error& err) {
        if (auto r = self->state.in_flight.take(id)) {
          auto why = r->path + ": " + self->system().render(err);
          auto resp = answer(r->read ? kv::STATUS_UNAVAILABLE : kv::STATUS_TIMEOUT, why);
          count(self->state, r->op, r->arrived, resp.msg);
          reply(self, r->to, std::move(resp));
        }
      });
}

// A client's batch: every request routed as if it came alone, its answer
// batched back to the sender. A batch without a sender has nowhere to be
// answered and is dropped; an oversized one is refused whole.
void route_batch(service_actor* self, kv::RequestBatch& batch) {
  auto& st = self->state;
  auto client = self->current_sender();
  if (!client) {
    ++st.unexpected;
    return;
  }
  if (batch.requests_size() > max_batch_requests) {
    kv::ResponseBatch refusal;
    refusal.set_refused_batch_id(batch.batch_id());
    refusal.set_refusal("a batch holds at most " + std::to_string(max_batch_requests)
                        + " requests; this one held " + std::to_string(batch.requests_size())
                        + ": none of them ran");
    send_answers(self, client, std::move(refusal));
    return;
  }
  if (!st.batch_sizes)
    st.batch_sizes = &st.cfg.metrics->batch_requests();
  st.batch_sizes->observe(static_cast<double>(batch.requests_size()));
  for (auto& tagged : *batch.mutable_requests())
    route(self, make_pb(std::move(*tagged.mutable_request())), reply_to{{}, client, tagged.tag()});
}

caf::result<pb<admin::NodeTree>> tree(service_actor* self) {
  auto& st = self->state;
  auto root = st.cfg.dir->get(st.cfg.root_path);
  if (!root)
    return caf::make_error(caf::sec::invalid_argument, "no supervision root");
  auto rp = self->make_response_promise<pb<admin::NodeTree>>();
  auto node_id = st.cfg.node_id;
  self->request(root, std::chrono::seconds(3), tree_atom_v)
    .then(
      [rp, node_id](pb<admin::ActorInfo>& info) mutable {
        admin::NodeTree t;
        t.set_node_id(node_id);
        *t.mutable_root() = std::move(info.msg);
        rp.deliver(make_pb(std::move(t)));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

// Asks one actor of every local shard (`target_of(shard)`: its replica or its
// storage) a question and answers once all of them have answered or failed;
// a shard that does not answer is added by `missing(shard)`, so an operator
// sees the gap instead of a shorter list. `add(answer)` puts one answer into
// the whole, which is delivered sorted by shard.
template <class Whole, class Part, class Target, class Add, class Missing, class... Ts>
caf::result<pb<Whole>> gather_shards(service_actor* self, Whole whole, Target target_of, Add add,
                                     Missing missing, Ts... question) {
  auto& st = self->state;
  struct gather {
    Whole whole;
    size_t pending = 0;
  };
  auto g = std::make_shared<gather>();
  g->whole = std::move(whole);
  auto rp = self->make_response_promise<pb<Whole>>();
  auto finish = [g, rp]() mutable {
    if (--g->pending == 0) {
      auto* shards = g->whole.mutable_shards();
      std::sort(shards->begin(), shards->end(),
                [](auto& a, auto& b) { return a.shard() < b.shard(); });
      rp.deliver(make_pb(std::move(g->whole)));
    }
  };
  g->pending = st.cfg.local_shards.size() + 1;
  for (auto shard : st.cfg.local_shards) {
    auto target = target_of(shard);
    if (!target) {
      missing(g->whole, shard);
      finish();
      continue;
    }
    self->request(target, std::chrono::seconds(2), question...)
      .then(
        [g, add, finish](pb<Part>& part) mutable {
          add(g->whole, std::move(part.msg));
          finish();
        },
        [g, shard, missing, finish](caf::error&) mutable {
          missing(g->whole, shard);
          finish();
        });
  }
  finish(); // the initial +1: delivers at once when the node has no shards
  return rp;
}

// Every local replica's Raft status; a replica that does not answer is listed
// with role "unavailable".
caf::result<pb<admin::NodeStatus>> status(service_actor* self) {
  auto& st = self->state;
  admin::NodeStatus whole;
  whole.set_node_id(st.cfg.node_id);
  whole.set_uptime_ms(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now() - st.started)
                                              .count()));
  return gather_shards<admin::NodeStatus, admin::ShardStatus>(
    self, std::move(whole),
    [&st](uint32_t shard) { return lookup::replica(*st.cfg.dir, st.cfg.root_path, shard); },
    [](admin::NodeStatus& w, admin::ShardStatus s) {
      if (s.role().empty())
        s.set_role("standalone");
      *w.add_shards() = std::move(s);
    },
    [](admin::NodeStatus& w, uint32_t shard) {
      auto* s = w.add_shards();
      s->set_shard(shard);
      s->set_role("unavailable");
    },
    status_atom_v);
}

// Every local replica's state digest, read from its storage actor (the state
// the replica has applied); a storage actor that does not answer is listed
// with an error.
caf::result<pb<admin::NodeDigest>> digest(service_actor* self) {
  auto& st = self->state;
  admin::NodeDigest whole;
  whole.set_node_id(st.cfg.node_id);
  return gather_shards<admin::NodeDigest, admin::ShardDigest>(
    self, std::move(whole),
    [&st](uint32_t shard) { return lookup::storage(*st.cfg.dir, st.cfg.root_path, shard); },
    [](admin::NodeDigest& w, admin::ShardDigest d) { *w.add_shards() = std::move(d); },
    [&st](admin::NodeDigest& w, uint32_t shard) {
      auto* d = w.add_shards();
      d->set_shard(shard);
      d->set_error("the storage of shard " + std::to_string(shard) + " on node " + st.cfg.node_id
                   + " did not answer (restarting?)");
    },
    digest_atom_v);
}

// The gauges read off the replicas' Raft status. A follower's lag is the
// leader's to report: once this node no longer leads a shard, its lag gauges
// go to 0 instead of freezing at their last values.
void note_status(service_state& st, const admin::NodeStatus& status) {
  auto& m = *st.cfg.metrics;
  auto stale = std::move(st.lag_shown);
  st.lag_shown.clear();
  for (const auto& s : status.shards()) {
    if (s.role() == "unavailable")
      continue;
    m.set_shard({s.shard(), s.role() == "leader", s.term(), s.commit_index(), s.applied_index(),
                 s.last_index(), s.snapshot_index()});
    for (const auto& p : s.progress()) {
      if (p.node_id() == status.node_id())
        continue;
      auto lag = s.last_index() > p.match_index() ? s.last_index() - p.match_index() : 0;
      m.set_follower_lag(s.shard(), p.node_id(), lag);
      stale.erase({s.shard(), p.node_id()});
      st.lag_shown.emplace(s.shard(), p.node_id());
    }
  }
  for (const auto& [shard, peer] : stale)
    m.set_follower_lag(shard, peer, 0);
}

// The gauges read off the failure detectors.
void note_members(metrics::node_metrics& m, const admin::Members& members) {
  for (const auto& p : members.nodes())
    if (!p.self())
      m.set_peer({p.node_id(), p.connected(), p.verdict() == "suspect", p.phi()});
}

// The node's metrics as Prometheus text: the counters the actors keep, and
// the gauges read now off the replicas (status) and the failure detectors
// (members). Asks itself, so that both views come exactly as `keelctl status`
// and `keelctl members` see them; a view that does not come (a monitor that
// is restarting) leaves its gauges at their last values, and without the
// status the members are not asked either.
caf::result<pb<admin::NodeMetrics>> node_metrics(service_actor* self) {
  auto rp = self->make_response_promise<pb<admin::NodeMetrics>>();
  auto me = caf::actor_cast<service_api>(self);
  auto render = [self, rp]() mutable {
    auto& st = self->state;
    st.cfg.metrics->set_uptime_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - st.started).count());
    admin::NodeMetrics out;
    out.set_node_id(st.cfg.node_id);
    out.set_exposition(st.cfg.metrics->expose());
    rp.deliver(make_pb(std::move(out)));
  };
  auto ask_members = [self, me, render]() mutable {
    self->request(me, std::chrono::seconds(3), members_atom_v)
      .then(
        [self, render](pb<admin::Members>& members) mutable {
          note_members(*self->state.cfg.metrics, members.msg);
          render();
        },
        [render](caf::error&) mutable { render(); });
  };
  self->request(me, std::chrono::seconds(3), status_atom_v)
    .then(
      [self, ask_members](pb<admin::NodeStatus>& status) mutable {
        note_status(self->state, status.msg);
        ask_members();
      },
      [render](caf::error&) mutable { render(); });
  return rp;
}

pb<admin::FaultResponse> refused(std::string why) {
  admin::FaultResponse resp;
  resp.set_error(std::move(why));
  return make_pb(std::move(resp));
}

pb<admin::FaultResponse> crash(service_actor* self, const std::string& path) {
  auto& st = self->state;
  auto target = st.cfg.dir->get(path);
  if (!target)
    return refused("no running actor at " + path + " on node " + st.cfg.node_id
                   + " (see 'keelctl tree' for the paths)");
  // `kill` cannot be trapped, so even a supervisor dies at once; its own
  // supervisor then sees an abnormal exit and applies its strategy.
  component_logger("node")->warn("fault injection: crashing {} (actor {})", path, target.id());
  admin::FaultResponse resp;
  resp.set_ok(true);
  resp.set_detail("crashed " + path + " (actor " + std::to_string(target.id()) + ")");
  self->send_exit(target, caf::exit_reason::kill);
  return make_pb(std::move(resp));
}

// Crashes are carried out here; network faults (partition, drop, delay, heal)
// belong to the transport, through which all peer traffic flows.
caf::result<pb<admin::FaultResponse>> fault(service_actor* self, pb<admin::FaultRequest>& req) {
  auto& st = self->state;
  if (!st.cfg.fault_injection)
    return refused("fault injection is disabled on node " + st.cfg.node_id
                   + ": set [cluster] fault_injection = true in cluster.conf");
  if (auto checked = st.operators->check(req.msg, network::wall_ms()); !checked) {
    const auto& why = checked.error().detail;
    component_logger("node")->warn("fault request refused: {}", why);
    return refused("node " + st.cfg.node_id + " refused: " + why);
  }
  if (req->fault_case() == admin::FaultRequest::kCrashPath)
    return crash(self, req->crash_path());
  auto t = lookup::transport(*st.cfg.dir, st.cfg.root_path);
  if (!t)
    return refused("the transport of node " + st.cfg.node_id + " is restarting; retry");
  // A request, not a delegation: the transport takes orders from local
  // actors only, and a delegated message would still carry the client as
  // its sender.
  auto rp = self->make_response_promise<pb<admin::FaultResponse>>();
  self->request(t, std::chrono::seconds(5), fault_atom_v, std::move(req))
    .then([rp](pb<admin::FaultResponse>& resp) mutable { rp.deliver(std::move(resp)); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

service_impl::behavior_type service(service_actor* self, service_config cfg) {
  self->state.cfg = std::move(cfg);
  auto& st = self->state;
  st.epoch = self->clock().now();
  st.operators = std::make_unique<security::operator_gate>(*st.cfg.trust, st.cfg.node_id);
  network::drop_unexpected(self, &st.unexpected);
  if (st.cfg.publish)
    st.door = network::publish_any(self, st.cfg.host, st.cfg.port, "client service").address();
  return {
    [self](kv_atom, pb<kv::Request>& req) -> caf::result<pb<kv::Response>> {
      auto rp = self->make_response_promise<pb<kv::Response>>();
      route(self, std::move(req), reply_to{rp, nullptr, 0});
      return rp;
    },
    [self](kv_atom, pb<kv::RequestBatch>& batch) { route_batch(self, batch.msg); },
    [self](tree_atom) { return tree(self); },
    [self](status_atom) { return status(self); },
    [self](digest_atom) { return digest(self); },
    [self](members_atom) -> caf::result<pb<admin::Members>> {
      auto& st = self->state;
      auto m = lookup::membership(*st.cfg.dir, st.cfg.root_path);
      if (!m)
        return caf::make_error(caf::sec::invalid_argument, "the membership monitor of node "
                                                             + st.cfg.node_id + " is restarting");
      self->delegate(m, members_atom_v);
      return caf::delegated<pb<admin::Members>>{};
    },
    [self](fault_atom, pb<admin::FaultRequest>& req) { return fault(self, req); },
    [self](metrics_atom) { return node_metrics(self); },
    [self](tick_atom) { sweep(self); },
    [self](flush_atom) {
      if (self->state.flush_planned)
        flush(self);
    },
  };
}

} // namespace

service_api spawn_service(caf::actor_system& sys, service_config cfg) {
  return service_api{sys.spawn(service, std::move(cfg))};
}

} // namespace keel::service
