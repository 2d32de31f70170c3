// A node's HTTP endpoint (cluster.conf: [[node]] http_port, [metrics] bind):
//   GET /metrics  the node's metrics in Prometheus text format 0.0.4, the
//                 same text `keelctl metrics` prints (the service renders it)
// and the routes others add (the dashboard: dashboard_routes.hpp).
//
// Plain HTTP, no authentication: what it serves is read-only, and what it
// accepts (the dashboard's fault buttons) is refused unless the cluster
// enables fault injection and the endpoint is bound to a loopback address
// (docs/security.md, "The HTTP endpoint"). Runs on cpp-httplib's own threads
// beside the actor system, and reaches the node's actors only through the
// directory, as a client would: it is not part of the supervision tree, so
// a restart of the service never takes it down.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "actors/base/core/errors.hpp"

namespace caf {
class actor_system;
}
namespace httplib {
class Server;
}
namespace keel::sup {
class directory;
}

namespace keel::http {

struct http_config {
  std::string node_id;
  std::string root_path; // the node's supervision root: finds its service
  std::string bind;      // the address to listen on
  uint16_t port = 0;
};

/// Routes added beside /metrics, before the endpoint starts listening.
using route_installer = std::function<void(httplib::Server&)>;

class http_endpoint {
public:
  /// Listens on cfg.bind:cfg.port and serves until destroyed; an error
  /// (port taken, bad address) says which address could not be bound.
  static result<std::unique_ptr<http_endpoint>, std::string>
  start(caf::actor_system& sys, std::shared_ptr<sup::directory> dir, http_config cfg,
        const route_installer& more = {});

  ~http_endpoint(); // stops listening and waits for the requests in progress

  http_endpoint(const http_endpoint&) = delete;
  http_endpoint& operator=(const http_endpoint&) = delete;

private:
  http_endpoint() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
};

} // namespace keel::http
