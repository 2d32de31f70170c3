#include "actors/client/client.hpp"

#include <atomic>
#include <optional>

#include "caf/all.hpp"

#include "actors/base/core/errors.hpp"
#include "actors/client/error_text.hpp"
#include "actors/client/session_actor.hpp"
#include "messages/type_ids.hpp"

namespace keel::client {
namespace {

using namespace std::chrono_literals;

// How long the facade waits beyond the actor's own deadline before it stops
// waiting: the actor answers by its deadline; this only guards against bugs.
constexpr auto facade_slack = 2s;

result to_result(kv::Response& r, std::string& node, bool contacted) {
  result out;
  out.outcome = outcome_of(r.status());
  if (r.has_value())
    out.value = std::move(*r.mutable_value());
  out.error = std::move(*r.mutable_error());
  out.node = std::move(node);
  out.index = r.index();
  out.contacted = contacted;
  if (out.outcome != outcome::ok)
    out.unknown_leader = std::move(*r.mutable_leader_hint());
  return out;
}

result unanswered(const std::string& why) {
  result out;
  out.outcome = outcome::unknown;
  out.error = "the client session did not answer" + why;
  return out;
}

// What an asynchronous operation's caller shares with the relay that waits
// for the session actor's answer in its place. `pending` is written before
// the request is sent and read after it is received: the mailbox orders the
// two, so it needs no lock of its own.
struct async_link {
  session::completion pending;
  std::atomic<bool> busy{false}; // an operation is in flight (sync or async)
};

void complete(async_link& link, result r) {
  auto done = std::move(link.pending);
  link.pending = nullptr;
  link.busy.store(false, std::memory_order_release); // `done` may start the next one
  done(std::move(r));
}

// The relay: an event-based actor on the runtime's scheduler that asks the
// session actor and hands the answer to the completion. It replaces the
// caller's blocked thread, and with it two thread wake-ups per operation.
// No wait bound of its own: a session actor that is gone answers at once
// (request_receiver_down), and a live one by its deadline.
caf::behavior relay(caf::event_based_actor* self, caf::actor session_actor, uint32_t timeout_ms,
                    std::shared_ptr<async_link> link) {
  return {
    [=](kv_atom, pb<kv::Request>& req) {
      self->request(session_actor, caf::infinite, kv_atom_v, std::move(req), timeout_ms)
        .then([link](pb<kv::Response>& r, std::string& node,
                     bool contacted) { complete(*link, to_result(r.msg, node, contacted)); },
              [link](caf::error& e) { complete(*link, unanswered(": " + caf::to_string(e))); });
    },
  };
}

kv::Request put_request(std::string_view key, std::string_view value) {
  kv::Request req;
  req.mutable_put()->set_key(std::string{key});
  req.mutable_put()->set_value(std::string{value});
  return req;
}

kv::Request get_request(std::string_view key, read_consistency consistency) {
  kv::Request req;
  req.mutable_get()->set_key(std::string{key});
  req.mutable_get()->set_serializable(consistency == read_consistency::serializable);
  return req;
}

kv::Request del_request(std::string_view key) {
  kv::Request req;
  req.mutable_del()->set_key(std::string{key});
  return req;
}

// expected: the value the key must hold; none: the key must be absent.
kv::Request cas_request(std::string_view key, std::optional<std::string_view> expected,
                        std::string_view value) {
  kv::Request req;
  auto* c = req.mutable_cas();
  c->set_key(std::string{key});
  if (expected)
    c->set_expected(std::string{*expected});
  else
    c->set_expect_absent(true);
  c->set_value(std::string{value});
  return req;
}

template <class T>
admin_result<T> to_admin_result(const caf::error& e) {
  admin_result<T> out;
  // The session actor reports a request that may have been handled as
  // request_timeout; every other error means it was never carried out.
  out.outcome = e == caf::sec::request_timeout ? outcome::unknown : outcome::unavailable;
  out.contacted = e != caf::sec::cannot_connect_to_node;
  out.error = first_string(e);
  if (out.error.empty())
    out.error = caf::to_string(e);
  return out;
}

} // namespace

struct session::impl {
  std::shared_ptr<caf::actor_system> sys; // kept alive as long as the session
  options opts;
  caf::actor actor;
  std::unique_ptr<caf::scoped_actor> self;
  std::shared_ptr<async_link> link = std::make_shared<async_link>();
  caf::actor relay_actor; // spawned by the first asynchronous operation

  impl(std::shared_ptr<caf::actor_system> s, options o, const caf::actor& connector,
       const caf::actor& channel)
    : sys(std::move(s)),
      opts(with_random_ids(std::move(o))) {
    actor = spawn_session_actor(*sys, opts, connector, channel);
    self = std::make_unique<caf::scoped_actor>(*sys);
  }

  ~impl() {
    KEEL_ASSERT(!link->busy.load(std::memory_order_acquire),
                "a client session destroyed with an operation in flight");
    self.reset();
    if (relay_actor)
      caf::anon_send_exit(relay_actor, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  }

  void begin() {
    KEEL_ASSERT(!link->busy.exchange(true, std::memory_order_acq_rel),
                "a client session runs one operation at a time");
  }

  void start(kv::Request req, completion done) {
    begin();
    if (!relay_actor)
      relay_actor = sys->spawn(relay, actor, opts.timeout_ms, link);
    link->pending = std::move(done);
    caf::anon_send(relay_actor, kv_atom_v, make_pb(std::move(req)));
  }

  caf::timespan wait_bound() const {
    return caf::timespan{std::chrono::milliseconds(opts.timeout_ms)} + facade_slack;
  }

  // The session answers every operation by its deadline. The wait here is
  // bounded all the same, in case the session actor itself is gone, but by
  // the receive's own timeout (a wait on this thread's condition variable)
  // rather than a CAF request timeout: CAF 0.17 never cancels those, so each
  // operation left a timer that woke the clock thread and this thread again
  // after the answer (docs/benchmarks.md section 13).
  result run(kv::Request req) {
    begin();
    result out;
    auto h
      = (*self)->request(actor, caf::infinite, kv_atom_v, make_pb(std::move(req)), opts.timeout_ms);
    caf::blocking_actor::accept_one_cond rc;
    (*self)->varargs_receive(
      rc, h.id(),
      [&](pb<kv::Response>& r, std::string& node, bool contacted) {
        out = to_result(r.msg, node, contacted);
      },
      [&](caf::error& e) { out = unanswered(": " + caf::to_string(e)); },
      caf::after(wait_bound()) >> [&] { // runs only when neither handler above did
        out = unanswered(" within " + std::to_string(wait_bound() / std::chrono::milliseconds(1))
                         + " ms");
      });
    link->busy.store(false, std::memory_order_release);
    return out;
  }

  // Sends one operator call per endpoint in `targets` before waiting for any,
  // so that they run in parallel under one deadline.
  template <class Reply, class Atom, class... Ts>
  std::vector<admin_result<decltype(Reply::msg)>> admin(const std::vector<size_t>& targets,
                                                        Atom atom, const Ts&... xs) {
    using value_type = decltype(Reply::msg);
    using handle
      = decltype((*self)->request(actor, wait_bound(), atom, uint32_t{0}, xs..., opts.timeout_ms));
    std::vector<handle> pending;
    pending.reserve(targets.size());
    for (auto i : targets)
      pending.push_back((*self)->request(actor, wait_bound(), atom, static_cast<uint32_t>(i), xs...,
                                         opts.timeout_ms));
    std::vector<admin_result<value_type>> out;
    for (auto& h : pending) {
      admin_result<value_type> r;
      h.receive(
        [&](Reply& reply) {
          r.outcome = outcome::ok;
          r.contacted = true;
          r.value = std::move(reply.msg);
        },
        [&](caf::error& e) { r = to_admin_result<value_type>(e); });
      out.push_back(std::move(r));
    }
    return out;
  }

  std::vector<size_t> all() const {
    std::vector<size_t> v(opts.endpoints.size());
    for (size_t i = 0; i < v.size(); ++i)
      v[i] = i;
    return v;
  }
};

session::session(runtime& rt, options opts)
  : impl_(std::make_unique<impl>(rt.shared_system(), std::move(opts),
                                 network_connector(rt.system()), rt.channel())) {}

session::session(runtime& rt, options opts, const caf::actor& connector)
  : impl_(std::make_unique<impl>(rt.shared_system(), std::move(opts), connector, rt.channel())) {}

session::~session() = default;
session::session(session&&) noexcept = default;
session& session::operator=(session&&) noexcept = default;

result session::put(std::string_view key, std::string_view value) {
  return impl_->run(put_request(key, value));
}

result session::get(std::string_view key, read_consistency consistency) {
  return impl_->run(get_request(key, consistency));
}

result session::del(std::string_view key) { return impl_->run(del_request(key)); }

result session::cas(std::string_view key, std::string_view expected, std::string_view value) {
  return impl_->run(cas_request(key, expected, value));
}

result session::cas_absent(std::string_view key, std::string_view value) {
  return impl_->run(cas_request(key, std::nullopt, value));
}

void session::put(std::string_view key, std::string_view value, completion done) {
  impl_->start(put_request(key, value), std::move(done));
}

void session::get(std::string_view key, read_consistency consistency, completion done) {
  impl_->start(get_request(key, consistency), std::move(done));
}

void session::del(std::string_view key, completion done) {
  impl_->start(del_request(key), std::move(done));
}

void session::cas(std::string_view key, std::string_view expected, std::string_view value,
                  completion done) {
  impl_->start(cas_request(key, expected, value), std::move(done));
}

void session::cas_absent(std::string_view key, std::string_view value, completion done) {
  impl_->start(cas_request(key, std::nullopt, value), std::move(done));
}

admin_result<admin::NodeTree> session::tree(size_t i) {
  return std::move(impl_->admin<pb<admin::NodeTree>>({i}, tree_atom_v).front());
}

admin_result<admin::NodeStatus> session::status(size_t i) {
  return std::move(impl_->admin<pb<admin::NodeStatus>>({i}, status_atom_v).front());
}

admin_result<admin::Members> session::members(size_t i) {
  return std::move(impl_->admin<pb<admin::Members>>({i}, members_atom_v).front());
}

admin_result<admin::FaultResponse> session::fault(size_t i, const admin::FaultRequest& req) {
  return std::move(impl_->admin<pb<admin::FaultResponse>>({i}, fault_atom_v, make_pb(req)).front());
}

std::vector<admin_result<admin::NodeTree>> session::tree_all() {
  return impl_->admin<pb<admin::NodeTree>>(impl_->all(), tree_atom_v);
}

std::vector<admin_result<admin::NodeStatus>> session::status_all() {
  return impl_->admin<pb<admin::NodeStatus>>(impl_->all(), status_atom_v);
}

std::vector<admin_result<admin::Members>> session::members_all() {
  return impl_->admin<pb<admin::Members>>(impl_->all(), members_atom_v);
}

admin_result<admin::NodeMetrics> session::metrics(size_t i) {
  return std::move(impl_->admin<pb<admin::NodeMetrics>>({i}, metrics_atom_v).front());
}

std::vector<admin_result<admin::NodeMetrics>> session::metrics_all() {
  return impl_->admin<pb<admin::NodeMetrics>>(impl_->all(), metrics_atom_v);
}

std::vector<admin_result<admin::NodeDigest>> session::digest_all() {
  return impl_->admin<pb<admin::NodeDigest>>(impl_->all(), digest_atom_v);
}

std::vector<admin_result<admin::FaultResponse>> session::fault_all(const admin::FaultRequest& req) {
  return impl_->admin<pb<admin::FaultResponse>>(impl_->all(), fault_atom_v, make_pb(req));
}

std::optional<size_t> session::find_endpoint(std::string_view name) const {
  const auto& eps = impl_->opts.endpoints;
  for (size_t i = 0; i < eps.size(); ++i)
    if (!eps[i].node_id.empty() && eps[i].node_id == name)
      return i;
  for (size_t i = 0; i < eps.size(); ++i)
    if (eps[i].address() == name)
      return i;
  return std::nullopt;
}

const std::vector<endpoint>& session::endpoints() const { return impl_->opts.endpoints; }

const options& session::settings() const { return impl_->opts; }

uint64_t session::client_id() const { return impl_->opts.client_id; }

} // namespace keel::client
