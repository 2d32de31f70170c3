// Fake keel-nodes for the client library's tests: real CAF actors that speak
// the node's client-service protocol (kv, tree, status, fault) over one shared
// in-memory map, which deduplicates writes by (client_id, seq) the way the
// replicated state machine does (Raft thesis §6.3). Each node follows a script
// that says how to treat each request (serve it, redirect, stay silent,
// crash...), and a fake connector stands in for CAF's middleman.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "caf/all.hpp"

#include "messages/type_ids.hpp"

namespace keel::test {

/// What the state machine behind all fake nodes holds.
struct fake_store {
  std::map<std::string, std::string> data;
  struct session_entry {
    uint64_t seq = 0;
    kv::Response answer;
  };
  std::map<uint64_t, session_entry> sessions; // client_id -> its last applied write
  uint64_t applied = 0;                       // writes applied (duplicates excluded)

  kv::Response apply(const kv::Request& req) {
    if (req.op_case() == kv::Request::kGet)
      return read(req.get().key());
    auto& s = sessions[req.client_id()];
    if (req.seq() == s.seq)
      return s.answer; // a retry: the original answer, not a second application
    if (req.seq() < s.seq)
      return status(kv::STATUS_STALE_REQUEST);
    s.seq = req.seq();
    s.answer = write(req);
    s.answer.set_index(++applied);
    return s.answer;
  }

  static kv::Response status(kv::Status st) {
    kv::Response r;
    r.set_status(st);
    return r;
  }

private:
  kv::Response read(const std::string& key) {
    auto i = data.find(key);
    if (i == data.end())
      return status(kv::STATUS_NOT_FOUND);
    auto r = status(kv::STATUS_OK);
    r.set_value(i->second);
    r.set_has_value(true);
    return r;
  }

  kv::Response write(const kv::Request& req) {
    switch (req.op_case()) {
      case kv::Request::kPut:
        data[req.put().key()] = req.put().value();
        return status(kv::STATUS_OK);
      case kv::Request::kDel:
        return data.erase(req.del().key()) ? status(kv::STATUS_OK) : status(kv::STATUS_NOT_FOUND);
      default: break;
    }
    const auto& c = req.cas();
    auto i = data.find(c.key());
    bool matches
      = c.expect_absent() ? i == data.end() : i != data.end() && i->second == c.expected();
    if (!matches) {
      if (i == data.end())
        return status(kv::STATUS_NOT_FOUND);
      auto r = status(kv::STATUS_CAS_MISMATCH);
      r.set_value(i->second);
      r.set_has_value(true);
      return r;
    }
    data[c.key()] = c.value();
    return status(kv::STATUS_OK);
  }
};

/// How a fake node treats one key-value request.
enum class act {
  serve,            // the leader: apply to the store and answer
  not_leader,       // answer NOT_LEADER with `hint`
  unavailable,      // answer UNAVAILABLE
  node_timeout,     // answer TIMEOUT without applying
  invalid,          // answer INVALID_ARGUMENT
  swallow,          // apply, then never answer
  apply_then_crash, // apply, never answer, and exit (the client sees the node go down)
};

/// One fake node: its script and what it received.
struct fake_node {
  std::string id;
  std::shared_ptr<fake_store> store;
  std::string hint;                        // leader named by not_leader answers
  std::deque<act> script;                  // the next requests, front first
  act otherwise = act::not_leader;         // once the script is used up
  std::vector<kv::Request> received;       // every key-value request, in order
  std::vector<caf::response_promise> held; // answers never given (kept, not dropped)
  bool tree_fails = false;                 // answer tree requests with an error

  act next() {
    if (script.empty())
      return otherwise;
    auto a = script.front();
    script.pop_front();
    return a;
  }
};

// What a fake node answers to one key-value request; nothing when its
// script says it stays silent (swallow) or crashes.
inline std::optional<kv::Response> fake_answer(caf::event_based_actor* self, fake_node& node,
                                               const kv::Request& req) {
  node.received.push_back(req);
  switch (node.next()) {
    case act::serve: return node.store->apply(req);
    case act::not_leader: {
      auto r = fake_store::status(kv::STATUS_NOT_LEADER);
      r.set_leader_hint(node.hint);
      return r;
    }
    case act::unavailable: return fake_store::status(kv::STATUS_UNAVAILABLE);
    case act::node_timeout: return fake_store::status(kv::STATUS_TIMEOUT);
    case act::invalid: {
      auto r = fake_store::status(kv::STATUS_INVALID_ARGUMENT);
      r.set_error("key too long");
      return r;
    }
    case act::swallow: node.store->apply(req); break;
    case act::apply_then_crash:
      node.store->apply(req);
      self->quit(caf::sec::runtime_error);
      break;
  }
  return std::nullopt;
}

inline caf::behavior fake_service(caf::event_based_actor* self, std::shared_ptr<fake_node> node) {
  return {
    [self, node](kv_atom, pb<kv::Request>& req) -> caf::result<pb<kv::Response>> {
      if (auto r = fake_answer(self, *node, req.msg))
        return make_pb(std::move(*r));
      node->held.push_back(self->make_response_promise());
      return caf::delegated<pb<kv::Response>>{};
    },
    // A batch is answered as the client service does: every answer that the
    // script gives, in one ResponseBatch to the sender.
    [self, node](kv_atom, pb<kv::RequestBatch>& batch) {
      kv::ResponseBatch out;
      for (const auto& tagged : batch->requests())
        if (auto r = fake_answer(self, *node, tagged.request())) {
          auto* a = out.add_responses();
          a->set_tag(tagged.tag());
          *a->mutable_response() = std::move(*r);
        }
      if (out.responses_size() > 0)
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), kv_atom_v,
                   make_pb(std::move(out)));
    },
    [node](status_atom) {
      admin::NodeStatus st;
      st.set_node_id(node->id);
      st.add_shards()->set_role("leader");
      return make_pb(st);
    },
    [node](tree_atom) -> caf::result<pb<admin::NodeTree>> {
      if (node->tree_fails)
        return caf::make_error(caf::sec::invalid_argument, "no supervision root");
      admin::NodeTree t;
      t.set_node_id(node->id);
      t.mutable_root()->set_path("/" + node->id);
      return make_pb(t);
    },
    [](fault_atom, pb<admin::FaultRequest>&) {
      admin::FaultResponse r;
      r.set_ok(false);
      r.set_error("fault injection is disabled");
      return make_pb(r);
    },
  };
}

/// Stands in for caf::io::middleman_actor: a port with a live fake node
/// connects, any other port is refused, and a frozen port never answers.
/// A port in `refuses_handshake` closes its first connect during the
/// handshake (a TLS node refusing our certificate) and then freezes (the same
/// node, too slow under load to refuse the next attempt within its budget).
/// A port in `cuts_handshake` fails its next connects with connection_timeout,
/// as CAF's heartbeat tick cuts a handshake that is still running, as many
/// times as its count says.
struct fake_network {
  std::map<uint16_t, caf::actor> nodes; // keeps the fake nodes alive
  std::set<uint16_t> frozen;
  std::set<uint16_t> refuses_handshake;
  std::map<uint16_t, int> cuts_handshake;
  std::vector<caf::response_promise> held;
  size_t connects = 0;
};

inline caf::behavior fake_connector(caf::event_based_actor* self,
                                    std::shared_ptr<fake_network> net) {
  using reply = caf::result<caf::node_id, caf::strong_actor_ptr, std::set<std::string>>;
  return {
    [self, net](caf::connect_atom, std::string& host, uint16_t port) -> reply {
      ++net->connects;
      if (net->refuses_handshake.erase(port) > 0) {
        net->frozen.insert(port);
        return caf::make_error(caf::sec::disconnect_during_handshake);
      }
      if (auto cut = net->cuts_handshake.find(port);
          cut != net->cuts_handshake.end() && cut->second > 0) {
        --cut->second;
        return caf::make_error(caf::sec::connection_timeout);
      }
      if (net->frozen.count(port) > 0) {
        net->held.push_back(self->make_response_promise());
        return caf::delegated<caf::node_id, caf::strong_actor_ptr, std::set<std::string>>{};
      }
      auto i = net->nodes.find(port);
      if (i == net->nodes.end())
        return caf::make_error(caf::sec::cannot_connect_to_node, "ip_connect failed", host, port);
      return reply{caf::node_id{}, caf::actor_cast<caf::strong_actor_ptr>(i->second),
                   std::set<std::string>{}};
    },
  };
}

} // namespace keel::test
