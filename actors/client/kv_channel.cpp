#include "actors/client/kv_channel.hpp"

#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "caf/all.hpp"

#include "messages/service_api.hpp"
#include "messages/type_ids.hpp"

namespace keel::client {
namespace {

using caf::actor_clock;

// When the requests in flight stop waiting, earliest first: each value is a tag.
using deadline_map = std::multimap<actor_clock::time_point, uint64_t>;

// A request sent to a node (or about to be), until its answer comes. Its
// deadline is kept here rather than as a CAF request timeout: CAF 0.17
// never cancels those, so each one woke the clock thread and the requester
// again after the answer had come (docs/benchmarks.md section 12).
struct waiting {
  caf::response_promise promise;
  caf::actor_addr node;
  uint64_t batch_id = 0;
  deadline_map::iterator deadline;
};

// A node this channel has sent to: its handle (monitored) and the batch
// being filled for it.
struct link {
  caf::actor node;
  kv::RequestBatch outbox;
  size_t outbox_bytes = 0;
  size_t in_flight = 0; // requests sent (or in the outbox) and not yet answered
};

struct channel_state {
  static inline const char* name = "keel.client.channel";

  std::map<caf::actor_addr, link> links;
  std::unordered_map<uint64_t, waiting> waiting_for; // by tag
  deadline_map deadlines;
  // The earliest sweep (tick_atom) on its way; only one is kept in flight
  // while the deadlines come in order, as they do under a steady load.
  std::optional<actor_clock::time_point> sweep_at;
  uint64_t next_tag = 1;
  uint64_t next_batch = 1;
  bool flush_planned = false;
};

using channel_actor = caf::stateful_actor<channel_state>;

// -- deadlines ----------------------------------------------------------------------

void plan_sweep(channel_actor* self, actor_clock::time_point at) {
  auto& st = self->state;
  if (st.sweep_at && *st.sweep_at <= at)
    return;
  st.sweep_at = at;
  auto delay = std::max(at - self->clock().now(), actor_clock::duration_type::zero());
  self->delayed_send(self, delay, tick_atom_v, static_cast<int64_t>(at.time_since_epoch().count()));
}

// Takes the request `tag` out of waiting: its promise, if it still waits.
std::optional<caf::response_promise> take(channel_actor* self, uint64_t tag) {
  auto& st = self->state;
  auto w = st.waiting_for.find(tag);
  if (w == st.waiting_for.end())
    return std::nullopt;
  auto promise = std::move(w->second.promise);
  if (auto l = st.links.find(w->second.node); l != st.links.end())
    --l->second.in_flight;
  st.deadlines.erase(w->second.deadline);
  st.waiting_for.erase(w);
  return promise;
}

// A sweep planned for `planned` arrived: the requests past their deadline
// fail, and the next sweep is planned for the earliest deadline left.
void sweep(channel_actor* self, int64_t planned) {
  auto& st = self->state;
  if (st.sweep_at && st.sweep_at->time_since_epoch().count() == planned)
    st.sweep_at.reset();
  auto now = self->clock().now();
  while (!st.deadlines.empty() && st.deadlines.begin()->first <= now) {
    auto promise = take(self, st.deadlines.begin()->second);
    if (!promise) { // cannot happen: a deadline leaves with its request
      st.deadlines.erase(st.deadlines.begin());
      continue;
    }
    promise->deliver(caf::make_error(caf::sec::request_timeout));
  }
  if (!st.deadlines.empty())
    plan_sweep(self, st.deadlines.begin()->first);
}

// Fails every request waiting on `node` for which `which(w)` holds.
template <class Predicate>
void fail_waiting(channel_actor* self, const caf::actor_addr& node, Predicate which,
                  const caf::error& why) {
  std::vector<uint64_t> tags;
  for (auto& [tag, w] : self->state.waiting_for)
    if (w.node == node && which(w))
      tags.push_back(tag);
  for (auto tag : tags)
    if (auto promise = take(self, tag))
      promise->deliver(why);
}

// -- batches ------------------------------------------------------------------------

void send_batch(channel_actor* self, link& l) {
  if (l.outbox.requests_size() == 0)
    return;
  auto batch = std::move(l.outbox);
  l.outbox.Clear();
  l.outbox_bytes = 0;
  self->send(l.node, kv_atom_v, make_pb(std::move(batch)));
}

void flush(channel_actor* self) {
  self->state.flush_planned = false;
  for (auto& [addr, l] : self->state.links)
    send_batch(self, l);
}

link& link_to(channel_actor* self, const caf::actor& node) {
  auto& st = self->state;
  auto [it, fresh] = st.links.try_emplace(node.address());
  if (fresh) {
    it->second.node = node;
    self->monitor(node); // a node that is already gone sends its down_msg at once
  }
  return it->second;
}

void enqueue(channel_actor* self, const caf::actor& node, kv::Request& req, uint32_t timeout_ms) {
  auto& st = self->state;
  auto& l = link_to(self, node);
  if (l.outbox.requests_size() == 0)
    l.outbox.set_batch_id(st.next_batch++);
  auto tag = st.next_tag++;
  auto deadline = self->clock().now() + std::chrono::milliseconds(timeout_ms);
  auto at = st.deadlines.emplace(deadline, tag);
  st.waiting_for.emplace(
    tag, waiting{self->make_response_promise(), node.address(), l.outbox.batch_id(), at});
  plan_sweep(self, deadline);
  auto* tagged = l.outbox.add_requests();
  tagged->set_tag(tag);
  l.outbox_bytes += req.ByteSizeLong();
  *tagged->mutable_request() = std::move(req);
  // A request to a node with nothing else in flight leaves at once: no other
  // answer is on its way to bring requests that could join it, and a lone
  // client (keelctl) pays no turn of waiting.
  if (++l.in_flight == 1 || l.outbox.requests_size() >= max_batch_requests
      || l.outbox_bytes >= batch_cut_bytes) {
    send_batch(self, l);
  } else if (!st.flush_planned) {
    st.flush_planned = true;
    self->send(self, flush_atom_v);
  }
}

// Answers (or a refusal) from a node. Only the node a request went to may
// answer it.
void answered(channel_actor* self, kv::ResponseBatch& batch) {
  auto from = caf::actor_cast<caf::actor_addr>(self->current_sender());
  auto& st = self->state;
  for (auto& tagged : *batch.mutable_responses()) {
    auto w = st.waiting_for.find(tagged.tag());
    if (w == st.waiting_for.end() || w->second.node != from)
      continue;
    if (auto promise = take(self, tagged.tag()))
      promise->deliver(make_pb(std::move(*tagged.mutable_response())));
  }
  if (!batch.refusal().empty()) {
    auto id = batch.refused_batch_id();
    fail_waiting(
      self, from, [id](const waiting& w) { return w.batch_id == id; },
      caf::make_error(caf::sec::invalid_argument, batch.refusal()));
  }
}

caf::behavior channel(channel_actor* self) {
  self->set_down_handler([self](caf::down_msg& m) {
    fail_waiting(
      self, m.source, [](const waiting&) { return true; },
      caf::make_error(caf::sec::request_receiver_down));
    self->state.links.erase(m.source); // a restarted node is a new actor
  });
  return {
    [self](kv_atom, caf::actor& node, pb<kv::Request>& req,
           uint32_t timeout_ms) -> caf::result<pb<kv::Response>> {
      if (!node)
        return caf::make_error(caf::sec::invalid_argument, "no node to send the request to");
      enqueue(self, node, req.msg, timeout_ms);
      return caf::delegated<pb<kv::Response>>{};
    },
    [self](kv_atom, pb<kv::ResponseBatch>& batch) { answered(self, batch.msg); },
    [self](flush_atom) {
      if (self->state.flush_planned)
        flush(self);
    },
    [self](tick_atom, int64_t planned) { sweep(self, planned); },
  };
}

} // namespace

caf::actor spawn_kv_channel(caf::actor_system& sys) { return sys.spawn(channel); }

} // namespace keel::client
