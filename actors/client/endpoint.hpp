// endpoint: where one node's client service listens, and the endpoint list a
// user types (--endpoints host:port,host:port,...).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/client/core/errc.hpp"

namespace keel::client {

/// One node's client service.
struct endpoint {
  std::string node_id; // "n1"; empty when the endpoint was given as host:port
  std::string host;
  uint16_t port = 0;

  /// "host:port".
  std::string address() const;

  /// The node id, or the address when the id is unknown: how messages name it.
  std::string name() const;
};

/// Parses "host:port,host:port,...". Returns the endpoints in order, or
/// errc::bad_endpoints with a one-line description of what is malformed.
setup_result<std::vector<endpoint>> parse_endpoints(std::string_view list);

} // namespace keel::client
