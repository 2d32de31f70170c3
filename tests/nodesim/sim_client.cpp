// sim_client: one operation in flight; attempts judged by the client
// library's own rules (actors/client/core/outcome.hpp).

#include "sim_client.hpp"

#include <chrono>
#include <optional>

#include "caf/all.hpp"

#include "../sim/sim_random.hpp"
#include "actors/client/core/outcome.hpp"
#include "messages/pb.hpp"
#include "messages/type_ids.hpp"

namespace keel::nodesim {

namespace {

using namespace std::chrono_literals;
using history::op_kind;
using history::op_result;
using history::operation;

using next_op_atom = caf::atom_constant<caf::atom("simnextop")>;
using attempt_atom = caf::atom_constant<caf::atom("simattempt")>;

struct client_state {
  client_config cfg;
  std::unique_ptr<sim::sim_random> rng;
  uint32_t done = 0;
  uint64_t client_id = 0;
  uint64_t last_seq = 0;
  size_t target = 0; // index into cfg.nodes
  // The operation in flight.
  operation op;
  kv::Request request;
  client::attempt_record attempts;
  uint32_t tries = 0;
  uint64_t attempt_id = 0; // answers to an abandoned attempt are ignored
  // The last value this client saw per key: what its next cas expects.
  std::map<std::string, std::optional<std::string>> seen;
};

using client_actor = caf::stateful_actor<client_state>;

void next_operation(client_actor* self);

void finish(client_actor* self, client::outcome o, const kv::Response* r) {
  auto& st = self->state;
  using client::outcome;
  operation& op = st.op;
  op.complete = ++st.cfg.history->stamp;
  switch (o) {
    case outcome::ok:
      op.result = op_result::ok;
      if (op.f == op_kind::read)
        op.value = r && r->has_value() ? std::optional<std::string>{r->value()} : std::nullopt;
      break;
    case outcome::not_found:
      // An absent key: a read saw nothing, a delete changed nothing, a cas
      // found nothing to compare with and did not apply.
      op.result = op.f == op_kind::cas ? op_result::fail : op_result::ok;
      if (op.f == op_kind::read)
        op.value.reset();
      break;
    case outcome::cas_mismatch:
    case outcome::invalid:
    case outcome::unavailable: op.result = op_result::fail; break;
    case outcome::unknown:
      op.result = op_result::info;
      op.complete = history::never;
      break;
  }
  if (op.result == op_result::ok) {
    if (op.f == op_kind::read || op.f == op_kind::write || op.f == op_kind::cas)
      st.seen[op.key] = op.value;
    else
      st.seen[op.key].reset();
  }
  st.cfg.history->ops.push_back(op);
  ++st.done;
  ++st.attempt_id;
  // Think for a moment: clients drift apart and overlap differently per seed.
  self->delayed_send(self, std::chrono::milliseconds(st.rng->between(0, 30)), next_op_atom::value);
}

void retry_later(client_actor* self, client::failure why, bool other_node) {
  auto& st = self->state;
  st.attempts.record(why);
  ++st.attempt_id;
  if (++st.tries >= st.cfg.max_attempts) {
    finish(self, st.attempts.give_up(), nullptr);
    return;
  }
  if (other_node)
    st.target = (st.target + 1 + st.rng->pick(st.cfg.nodes.size() - 1)) % st.cfg.nodes.size();
  self->delayed_send(self, std::chrono::milliseconds(st.rng->between(20, 120)), attempt_atom::value,
                     st.attempt_id);
}

void attempt(client_actor* self) {
  auto& st = self->state;
  auto service = st.cfg.service_of(st.cfg.nodes[st.target]);
  if (!service) {
    retry_later(self, client::failure::not_sent, true);
    return;
  }
  auto id = st.attempt_id;
  self
    ->request(st.cfg.channel, caf::infinite, kv_atom_v, caf::actor_cast<caf::actor>(service),
              make_pb(st.request), st.cfg.attempt_timeout_ms)
    .then(
      [self, id](pb<kv::Response>& r) {
        auto& st = self->state;
        if (id != st.attempt_id)
          return;
        client::verdict v = client::judge(r.msg);
        if (v.final) {
          finish(self, *v.final, &r.msg);
          return;
        }
        bool moved = false;
        if (r.msg.status() == kv::STATUS_NOT_LEADER && !r.msg.leader_hint().empty())
          for (size_t i = 0; i < st.cfg.nodes.size(); ++i)
            if (st.cfg.nodes[i] == r.msg.leader_hint()) {
              st.target = i;
              moved = true;
            }
        retry_later(self, v.retry_reason, !moved);
      },
      [self, id](caf::error&) {
        if (id != self->state.attempt_id)
          return;
        retry_later(self, client::failure::lost, true);
      });
}

void next_operation(client_actor* self) {
  auto& st = self->state;
  if (st.done >= st.cfg.operations) {
    ++st.cfg.history->clients_done;
    self->quit();
    return;
  }
  operation op;
  op.process = st.cfg.id;
  op.key = st.cfg.reads_only ? st.cfg.keys[st.done % st.cfg.keys.size()]
                             : st.cfg.keys[st.rng->pick(st.cfg.keys.size())];
  kv::Request req;
  req.set_client_id(st.client_id);
  uint64_t roll = st.cfg.reads_only ? 0 : st.rng->between(0, 99);
  // Appended piecewise: "c" + std::string trips g++ 12's -Wstringop-overflow
  // false positive (GCC bug 105329), fatal under -Werror.
  std::string fresh = std::to_string(st.cfg.id);
  fresh.append("-").append(std::to_string(st.done));
  fresh.insert(fresh.begin(), 'c');
  if (roll < 40) {
    op.f = op_kind::read;
    req.mutable_get()->set_key(op.key);
  } else if (roll < 70) {
    op.f = op_kind::write;
    op.value = fresh;
    req.mutable_put()->set_key(op.key);
    req.mutable_put()->set_value(fresh);
  } else if (roll < 80) {
    op.f = op_kind::del;
    req.mutable_del()->set_key(op.key);
  } else {
    op.f = op_kind::cas;
    op.value = fresh;
    op.expected = st.seen[op.key];
    auto* c = req.mutable_cas();
    c->set_key(op.key);
    c->set_value(fresh);
    if (op.expected)
      c->set_expected(*op.expected);
    else
      c->set_expect_absent(true);
  }
  req.set_seq(op.f == op_kind::read ? 0 : ++st.last_seq);
  op.invoke = ++st.cfg.history->stamp;
  st.op = std::move(op);
  st.request = std::move(req);
  st.attempts = client::attempt_record{};
  st.tries = 0;
  attempt(self);
}

caf::behavior client(client_actor* self, client_config cfg) {
  auto& st = self->state;
  st.rng = std::make_unique<sim::sim_random>(cfg.seed * 7919 + cfg.id);
  st.client_id = (cfg.seed << 16) ^ (uint64_t{cfg.id} << 8) ^ 0x5eed;
  st.target = cfg.id % cfg.nodes.size();
  st.cfg = std::move(cfg);
  self->send(self, next_op_atom::value);
  return {
    [self](next_op_atom) { next_operation(self); },
    [self](attempt_atom, uint64_t id) {
      if (id == self->state.attempt_id)
        attempt(self);
    },
  };
}

} // namespace

caf::actor spawn_client(caf::actor_system& sys, client_config cfg) {
  return sys.spawn(client, std::move(cfg));
}

} // namespace keel::nodesim
