#include "actors/client/error_text.hpp"

#include "caf/all.hpp"

namespace keel::client {

std::string first_string(const caf::error& e) {
  const auto& ctx = e.context();
  if (ctx.size() > 0 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return {};
}

// A TLS handshake that fails (a certificate the other side's CA did not sign,
// or TLS on one side only) shows as a connection closed during CAF's handshake
// or, once a heartbeat tick passes first, as a connection timeout (field guide
// §3 and §7).
std::string describe_connect_error(const caf::error& e, uint64_t timeout_ms, bool tls) {
  if (e == caf::sec::cannot_connect_to_node) {
    auto why = first_string(e);
    if (why == "no such host")
      return "no such host";
    return tls ? "cannot connect (nothing listens, or the node does not speak TLS)"
               : "cannot connect";
  }
  if (e == caf::sec::request_timeout)
    return "no connection within " + std::to_string(timeout_ms) + " ms";
  if (e == caf::sec::connection_timeout)
    return tls ? "connected, but no TLS handshake completed (certificates not accepted by "
                 "the node or by us, or the node is frozen)"
               : "connected, but the node does not answer the handshake (frozen, or does it "
                 "need TLS?)";
  if (e == caf::sec::disconnect_during_handshake)
    return tls ? "the node closed the connection during the handshake (certificates not "
                 "accepted by the node or by us)"
               : "the node closed the connection during the handshake (does it need TLS?)";
  return "cannot connect (" + caf::to_string(e) + ")";
}

std::string describe_request_error(const caf::error& e, uint64_t timeout_ms) {
  if (e == caf::sec::request_timeout)
    return "no answer within " + std::to_string(timeout_ms) + " ms";
  if (e == caf::sec::unexpected_message)
    return "the node does not understand the request (version mismatch?)";
  if (e == caf::sec::request_receiver_down)
    return "the node's service is down";
  return caf::to_string(e);
}

bool is_lost(const caf::error& e) {
  return e == caf::sec::request_timeout || e == caf::sec::request_receiver_down
         || e.category() != caf::atom("system"); // e.g. exit_reason::remote_link_unreachable
}

std::string describe_answer(const kv::Response& r) {
  std::string s;
  switch (r.status()) {
    case kv::STATUS_NOT_LEADER:
      s = r.leader_hint().empty() ? "not leader" : "not leader (leader: " + r.leader_hint() + ")";
      break;
    case kv::STATUS_UNAVAILABLE: s = "unavailable"; break;
    case kv::STATUS_TIMEOUT: s = "timed out"; break;
    default: s = kv::Status_Name(r.status());
  }
  if (!r.error().empty())
    s += ": " + r.error();
  return s;
}

} // namespace keel::client
