#include "actors/client/session_actor.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "caf/all.hpp"
#include "caf/io/all.hpp"
#include "caf/openssl/manager.hpp"

#include "actors/base/core/errors.hpp"
#include "actors/client/error_text.hpp"
#include "actors/config/core/placement.hpp"
#include "messages/service_api.hpp"
#include "messages/type_ids.hpp"

namespace keel::client {
namespace {

using caf::actor_clock;

std::chrono::milliseconds ms(uint64_t x) { return std::chrono::milliseconds(x); }

uint64_t to_ms(actor_clock::duration_type d) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

// -- what the session actor keeps ---------------------------------------------------

// One key-value operation in flight.
struct kv_operation {
  caf::response_promise promise;
  kv::Request request; // client_id and seq are set once: every attempt sends the same
  retry_state route;
  attempt_record record;
  actor_clock::time_point start;
  uint32_t timeout_ms = 0;
  uint64_t token = 0;                  // bumped at every step: answers to older steps are stale
  std::map<size_t, std::string> notes; // endpoint -> what happened there last
  std::string unknown_leader;          // a hinted leader that is not among the endpoints
  bool any_replica = false;            // a serializable read: any replica may answer
};

// An operator's call in flight to a node: failed at once when the node goes
// down, because a request to a dead remote actor is never answered (field
// guide §0, pitfall 2) and would only end at its timeout. (Key-value attempts
// go through the runtime's kv_channel, which does the same for them.)
struct in_flight {
  size_t endpoint = 0;
  std::function<void()> on_down;
};

struct session_state {
  static inline const char* name = "keel.client.session";

  options opts;
  caf::actor connector;
  std::optional<retry_policy> policy;
  uint64_t last_seq = 0;                // invariant: the seq of the newest write
  std::vector<service_api> connections; // per endpoint; null until connected, and after down
  std::map<uint64_t, kv_operation> ops;
  std::map<uint64_t, in_flight> calls;
  caf::actor channel; // carries the key-value attempts (kv_channel.hpp)
  uint64_t next_id = 1;
};

using session_actor = caf::stateful_actor<session_state>;

// -- connections --------------------------------------------------------------------

std::string label(session_actor* self, size_t i) { return self->state.opts.endpoints[i].name(); }

// Calls then(handle) with a live connection to endpoint i, connecting first if
// there is none; calls fail(note, out_of_time) when none can be made within
// `timeout` (out_of_time: the time ran out before the node said anything).
//
// With heartbeats on, CAF drops a connection whose handshake is unfinished at
// the middleman's next heartbeat tick (field guide §3), so a TLS handshake
// slowed by a loaded machine fails as connection_timeout although the node is
// fine. Up to `handshake_retries` more connects are tried then, while time
// is left; a frozen node is the other cause, and it costs each retry one
// heartbeat interval. Key-value operations pass 0: their retry policy moves
// on to another node, which serves the write sooner than a second handshake.
template <class Then, class Fail>
void with_connection(session_actor* self, size_t i, actor_clock::duration_type timeout, Then then,
                     Fail fail, int handshake_retries = 0) {
  auto& st = self->state;
  if (st.connections[i]) {
    then(st.connections[i]);
    return;
  }
  const auto& ep = st.opts.endpoints[i];
  auto budget_ms = to_ms(timeout);
  auto deadline = self->clock().now() + timeout;
  self->request(st.connector, timeout, caf::connect_atom::value, ep.host, ep.port)
    .then(
      [self, i, then, fail](caf::node_id&, caf::strong_actor_ptr& ptr,
                            std::set<std::string>&) mutable {
        if (!ptr) {
          fail("nothing is published on that port", false);
          return;
        }
        auto& conn = self->state.connections[i];
        if (!conn) { // another attempt may have connected meanwhile
          // Typed by a cast, not by asking for a service_api: CAF 0.17 hands a
          // typed requester only an actor published with exactly that
          // interface, and the service is published behind an untyped front
          // door (publish_self.hpp). Checked with a probe, two processes over
          // loopback, io::middleman: remote_actor<service_api> against the
          // front door failed with system_error(unexpected_actor_messaging_
          // interface, ([<service_api's signatures>], [])); remote_actor
          // <caf::actor> against a typed actor published with its interface
          // failed the same way the other way round; a caf::actor obtained
          // untyped and cast to the typed handle answered requests. The check
          // is on the client's side only, and so no defence: what the service
          // answers is what its typed behavior handles.
          conn = caf::actor_cast<service_api>(ptr);
          self->monitor(conn);
        }
        then(conn);
      },
      [self, i, then, fail, budget_ms, deadline, handshake_retries](caf::error& e) mutable {
        auto left = deadline - self->clock().now();
        if (e == caf::sec::connection_timeout && handshake_retries > 0
            && left > actor_clock::duration_type::zero()) {
          with_connection(self, i, left, std::move(then), std::move(fail), handshake_retries - 1);
          return;
        }
        fail(describe_connect_error(e, budget_ms, self->system().has_openssl_manager()),
             e == caf::sec::request_timeout);
      });
}

uint64_t begin_call(session_actor* self, size_t endpoint, std::function<void()> on_down) {
  auto id = self->state.next_id++;
  self->state.calls.emplace(id, in_flight{endpoint, std::move(on_down)});
  return id;
}

void end_call(session_actor* self, uint64_t id) { self->state.calls.erase(id); }

void on_down(session_actor* self, const caf::down_msg& m) {
  auto& st = self->state;
  for (size_t i = 0; i < st.connections.size(); ++i) {
    if (!st.connections[i] || st.connections[i].address() != m.source)
      continue;
    st.connections[i] = nullptr; // the next attempt reconnects: a restarted node is a new actor
    std::vector<std::function<void()>> lost;
    for (auto c = st.calls.begin(); c != st.calls.end();) {
      if (c->second.endpoint == i) {
        lost.push_back(std::move(c->second.on_down));
        c = st.calls.erase(c);
      } else {
        ++c;
      }
    }
    for (auto& f : lost)
      f();
  }
}

// -- key-value operations -----------------------------------------------------------

kv_operation* find_op(session_actor* self, uint64_t op_id, uint64_t token) {
  auto i = self->state.ops.find(op_id);
  if (i == self->state.ops.end() || i->second.token != token)
    return nullptr; // finished, or an answer to an earlier step
  return &i->second;
}

actor_clock::duration_type remaining(session_actor* self, const kv_operation& op) {
  return op.start + ms(op.timeout_ms) - self->clock().now();
}

void finish(session_actor* self, uint64_t op_id, kv::Response r, std::string node, bool contacted) {
  auto i = self->state.ops.find(op_id);
  i->second.promise.deliver(make_pb(std::move(r)), std::move(node), contacted);
  self->state.ops.erase(i);
}

void give_up(session_actor* self, uint64_t op_id) {
  auto& op = self->state.ops.at(op_id);
  auto out = op.record.give_up();
  std::string notes;
  for (const auto& [i, note] : op.notes)
    notes += (notes.empty() ? "" : ", ") + note;
  std::string why;
  if (notes.empty())
    why = "no attempt fit in the deadline of " + std::to_string(op.timeout_ms) + " ms";
  else if (!op.record.contacted())
    why = "cannot reach any node (" + notes + ")";
  else if (out == outcome::unknown)
    why = "no answer within " + std::to_string(op.timeout_ms)
          + " ms, the operation may or may not have been applied (" + notes + ")";
  else
    why = "no node could serve the request within " + std::to_string(op.timeout_ms) + " ms ("
          + notes + ")";
  kv::Response r;
  r.set_status(status_of(out));
  r.set_error(why);
  r.set_leader_hint(op.unknown_leader);
  finish(self, op_id, std::move(r), "", op.record.contacted());
}

void start_attempt(session_actor* self, uint64_t op_id);

// An attempt failed: plan the next one (same request, same seq) or give up.
// `weak_note`: the note says only that time ran out, so it does not replace
// what an earlier attempt learnt on the same endpoint.
void attempt_failed(session_actor* self, uint64_t op_id, uint64_t token, failure why,
                    const std::string& hint, const std::string& note, bool weak_note = false) {
  auto* op = find_op(self, op_id, token);
  if (op == nullptr)
    return;
  op->record.record(why);
  auto i = op->route.endpoint;
  const auto& eps = self->state.opts.endpoints;
  const auto& ep = eps[i];
  if (!hint.empty()
      && std::none_of(eps.begin(), eps.end(), [&](const auto& e) { return e.node_id == hint; }))
    op->unknown_leader = hint; // cannot follow it: we do not know where it is
  if (!weak_note || !op->notes.contains(i))
    op->notes[i] = why == failure::not_sent && !ep.node_id.empty()
                     ? ep.node_id + " " + ep.address() + ": " + note
                     : ep.name() + ": " + note;
  auto elapsed = to_ms(self->clock().now() - op->start);
  auto next = self->state.policy->after(op->route, why, hint, elapsed, op->timeout_ms);
  if (!next) {
    give_up(self, op_id);
    return;
  }
  auto step = ++op->token;
  if (next->delay_ms == 0)
    start_attempt(self, op_id);
  else
    self->delayed_send(self, ms(next->delay_ms), retry_atom_v, op_id, step);
}

void attempt_answered(session_actor* self, uint64_t op_id, uint64_t token, kv::Response& r) {
  auto* op = find_op(self, op_id, token);
  if (op == nullptr)
    return;
  auto v = judge(r);
  if (!v.final) {
    attempt_failed(self, op_id, token, v.retry_reason, r.leader_hint(), describe_answer(r));
    return;
  }
  if (!op->any_replica
      && (*v.final == outcome::ok || *v.final == outcome::not_found
          || *v.final == outcome::cas_mismatch))
    self->state.policy->leader_answered(op->route);
  if (*v.final == outcome::unknown && r.error().empty())
    r.set_error("the node cannot tell whether the write was applied (" + kv::Status_Name(r.status())
                + ")");
  r.set_status(status_of(*v.final));
  finish(self, op_id, std::move(r), label(self, op->route.endpoint), true);
}

void send_attempt(session_actor* self, uint64_t op_id, uint64_t token, size_t i,
                  const service_api& node) {
  auto* op = find_op(self, op_id, token);
  if (op == nullptr)
    return;
  auto left = remaining(self, *op);
  if (left <= actor_clock::duration_type::zero()) {
    attempt_failed(self, op_id, token, failure::not_sent, "", "deadline reached while connecting");
    return;
  }
  auto timeout
    = std::min<actor_clock::duration_type>(left, ms(self->state.opts.request_timeout_ms));
  auto budget_ms = to_ms(timeout);
  self
    ->request(self->state.channel, caf::infinite, kv_atom_v, caf::actor_cast<caf::actor>(node),
              make_pb(op->request), static_cast<uint32_t>(budget_ms))
    .then(
      [self, op_id, token](pb<kv::Response>& r) { attempt_answered(self, op_id, token, r.msg); },
      [self, op_id, token, budget_ms](caf::error& e) {
        // A node that does not understand the message, or refused its batch,
        // never ran it; a node that went down or stayed silent leaves the
        // request's fate open.
        if (e == caf::sec::request_receiver_down)
          attempt_failed(self, op_id, token, failure::lost, "", "connection lost after sending");
        else if (e == caf::sec::invalid_argument) // the node's words (kv_channel.hpp)
          attempt_failed(self, op_id, token, failure::rejected, "", first_string(e));
        else
          attempt_failed(self, op_id, token,
                         e == caf::sec::unexpected_message ? failure::rejected : failure::lost, "",
                         describe_request_error(e, budget_ms));
      });
}

void start_attempt(session_actor* self, uint64_t op_id) {
  auto& op = self->state.ops.at(op_id);
  auto token = ++op.token;
  auto left = remaining(self, op);
  if (left <= actor_clock::duration_type::zero()) {
    give_up(self, op_id);
    return;
  }
  auto timeout
    = std::min<actor_clock::duration_type>(left, ms(self->state.opts.request_timeout_ms));
  auto i = op.route.endpoint;
  with_connection(
    self, i, timeout,
    [self, op_id, token, i](const service_api& node) { send_attempt(self, op_id, token, i, node); },
    // A connect cut short by the deadline says less than an earlier refusal
    // on the same endpoint ("certificates not accepted"): that one is kept.
    [self, op_id, token](const std::string& note, bool out_of_time) {
      attempt_failed(self, op_id, token, failure::not_sent, "", note, out_of_time);
    });
}

std::string_view key_of(const kv::Request& r) {
  switch (r.op_case()) {
    case kv::Request::kGet: return r.get().key();
    case kv::Request::kPut: return r.put().key();
    case kv::Request::kDel: return r.del().key();
    case kv::Request::kCas: return r.cas().key();
    default: return {};
  }
}

void begin_operation(session_actor* self, kv::Request req, uint32_t timeout_ms,
                     caf::response_promise rp) {
  auto& st = self->state;
  req.set_client_id(st.opts.client_id);
  // §6.3: every new write takes the next seq; its retries below reuse it.
  req.set_seq(req.op_case() == kv::Request::kGet ? 0 : ++st.last_seq);
  auto shard = st.opts.shards > 0 ? config::shard_of(key_of(req), st.opts.shards) : 0;
  auto id = st.next_id++;
  auto& op = st.ops[id];
  op.promise = std::move(rp);
  op.request = std::move(req);
  op.any_replica = op.request.has_get() && op.request.get().serializable();
  op.route = op.any_replica ? st.policy->begin_any(shard) : st.policy->begin(shard);
  op.start = self->clock().now();
  op.timeout_ms = timeout_ms;
  start_attempt(self, id);
}

// -- operator calls -----------------------------------------------------------------

caf::error admin_error(caf::sec code, const std::string& text) {
  return caf::make_error(code, text);
}

// One operator call on endpoint i, bounded by timeout_ms (connect included):
// the request (xs...) and its Reply are checked against service_api.
template <class Reply, class... Ts>
caf::response_promise admin_call(session_actor* self, uint32_t i, uint32_t timeout_ms, Ts... xs) {
  auto rp = std::make_shared<caf::response_promise>(self->make_response_promise());
  if (i >= self->state.opts.endpoints.size()) {
    rp->deliver(admin_error(caf::sec::invalid_argument, "no endpoint #" + std::to_string(i)));
    return *rp;
  }
  auto name = label(self, i);
  auto deadline = self->clock().now() + ms(timeout_ms);
  auto on_node = [self, i, rp, name, deadline, xs...](const service_api& node) {
    auto left = deadline - self->clock().now();
    if (left <= actor_clock::duration_type::zero()) {
      rp->deliver(admin_error(caf::sec::cannot_connect_to_node,
                              name + ": deadline reached while connecting"));
      return;
    }
    auto call = begin_call(self, i, [rp, name] {
      if (rp->pending())
        rp->deliver(admin_error(caf::sec::request_timeout, name + ": connection lost"));
    });
    auto budget_ms = to_ms(left);
    self->request(node, left, xs...)
      .then(
        [self, rp, call](Reply& r) {
          end_call(self, call);
          if (rp->pending())
            rp->deliver(std::move(r));
        },
        [self, rp, call, name, budget_ms](caf::error& e) {
          end_call(self, call);
          if (!rp->pending())
            return;
          if (is_lost(e)) {
            rp->deliver(admin_error(caf::sec::request_timeout,
                                    name + ": " + describe_request_error(e, budget_ms)));
            return;
          }
          // The node itself refused: keep its code and its words.
          auto words = first_string(e);
          rp->deliver(caf::make_error(
            static_cast<caf::sec>(e.code()),
            name + ": " + (words.empty() ? describe_request_error(e, budget_ms) : words)));
        });
  };
  auto on_refused = [rp, name, ep = self->state.opts.endpoints[i]](const std::string& note,
                                                                   bool /*out_of_time*/) {
    auto who = ep.node_id.empty() ? name : name + " " + ep.address();
    rp->deliver(admin_error(caf::sec::cannot_connect_to_node, who + ": " + note));
  };
  // An operator's call has no other node to turn to: a handshake cut short
  // by a heartbeat tick is tried again (twice at most, see with_connection).
  with_connection(self, i, ms(timeout_ms), on_node, on_refused, 2);
  return *rp;
}

caf::behavior session_behavior(session_actor* self, options opts, caf::actor connector,
                               caf::actor channel) {
  auto& st = self->state;
  std::vector<std::string> ids;
  for (const auto& ep : opts.endpoints)
    ids.push_back(ep.node_id);
  st.policy.emplace(std::move(ids), opts.retry, opts.seed);
  st.connections.resize(opts.endpoints.size());
  st.opts = std::move(opts);
  st.connector = std::move(connector);
  st.channel = std::move(channel);
  self->set_down_handler([self](caf::down_msg& m) { on_down(self, m); });
  return {
    [self](kv_atom, pb<kv::Request>& req, uint32_t timeout_ms) {
      auto rp = self->make_response_promise();
      begin_operation(self, std::move(req.msg), timeout_ms, rp);
      return rp;
    },
    [self](retry_atom, uint64_t op_id, uint64_t token) {
      if (find_op(self, op_id, token) != nullptr)
        start_attempt(self, op_id);
    },
    [self](tree_atom, uint32_t i, uint32_t timeout_ms) {
      return admin_call<pb<admin::NodeTree>>(self, i, timeout_ms, tree_atom_v);
    },
    [self](status_atom, uint32_t i, uint32_t timeout_ms) {
      return admin_call<pb<admin::NodeStatus>>(self, i, timeout_ms, status_atom_v);
    },
    [self](members_atom, uint32_t i, uint32_t timeout_ms) {
      return admin_call<pb<admin::Members>>(self, i, timeout_ms, members_atom_v);
    },
    [self](digest_atom, uint32_t i, uint32_t timeout_ms) {
      return admin_call<pb<admin::NodeDigest>>(self, i, timeout_ms, digest_atom_v);
    },
    [self](metrics_atom, uint32_t i, uint32_t timeout_ms) {
      return admin_call<pb<admin::NodeMetrics>>(self, i, timeout_ms, metrics_atom_v);
    },
    [self](fault_atom, uint32_t i, pb<admin::FaultRequest>& req, uint32_t timeout_ms) {
      return admin_call<pb<admin::FaultResponse>>(self, i, timeout_ms, fault_atom_v, req);
    },
  };
}

} // namespace

caf::actor spawn_session_actor(caf::actor_system& sys, options opts, const caf::actor& connector,
                               const caf::actor& channel) {
  // A precondition of the library (client.hpp: REQUIRES): a program that
  // builds a session without endpoints is wrong, not unlucky.
  KEEL_ASSERT(!opts.endpoints.empty(), "a client session needs at least one endpoint");
  return sys.spawn(session_behavior, with_random_ids(std::move(opts)), connector, channel);
}

caf::actor network_connector(caf::actor_system& sys) {
  if (sys.has_openssl_manager())
    return caf::actor_cast<caf::actor>(sys.openssl_manager().actor_handle());
  return caf::actor_cast<caf::actor>(sys.middleman().actor_handle());
}

} // namespace keel::client
