// error_text: the one-line words a session gives for what went wrong (a CAF
// error on connecting or on a request, or a node's non-final answer), and which
// errors leave a request's fate open. Used by the session actor and its facade.
#pragma once

#include <cstdint>
#include <string>

#include "caf/fwd.hpp"

#include "messages/kv.pb.h"

namespace keel::client {

/// The error's first context element when it is a string (the words a node or
/// the session actor put there), else empty.
std::string first_string(const caf::error& e);

/// Why a connect failed. `tls`: this runtime dials with TLS, whose failed
/// handshakes look like closed or silent connections.
std::string describe_connect_error(const caf::error& e, uint64_t timeout_ms, bool tls);

/// Why a request to a connected node failed.
std::string describe_request_error(const caf::error& e, uint64_t timeout_ms);

/// Whether the request may or may not have been handled after `e`.
bool is_lost(const caf::error& e);

/// A node's answer that does not end the operation, in words ("not leader
/// (leader: n2): ...").
std::string describe_answer(const kv::Response& r);

} // namespace keel::client
