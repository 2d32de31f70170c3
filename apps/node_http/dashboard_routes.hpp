// The live dashboard of the whole cluster, served by every node with an HTTP
// endpoint (docs/operations.md, "The dashboard"):
//   GET  /, /dashboard.js, /dashboard.css   the page: static files compiled into
//                                           keel-node (apps/node_http/dashboard/)
//   GET  /api/cluster                       every node's tree, status, members and
//                                           request counters, asked in parallel
//                                           through the client port like keelctl
//   POST /api/fault                         crash an actor, partition two nodes,
//                                           heal: only with fault injection on,
//                                           the endpoint on a loopback address
//                                           and a plaintext cluster (the node
//                                           signs with the cluster secret)
// The page polls /api/cluster once a second, so it shows restarts, leader
// moves and suspicions as they happen, from whichever node serves it.
#pragma once

#include <memory>
#include <string>

#include "apps/common/cluster_config.hpp"
#include "apps/node_http/http_endpoint.hpp"

namespace keel::security {
class trust;
}

namespace keel::http {

struct dashboard_config {
  config::cluster_config cluster;                    // the nodes to ask
  std::string node_id;                               // the node serving the page
  std::string bind;                                  // where the endpoint listens
  std::shared_ptr<const security::trust> node_trust; // signs the page's fault requests
};

/// The dashboard's routes, for http_endpoint::start.
route_installer dashboard_routes(dashboard_config cfg);

} // namespace keel::http
