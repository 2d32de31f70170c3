#include "actors/client/options.hpp"

#include <random>

namespace keel::client {
namespace {

uint64_t random_nonzero() {
  std::random_device rd;
  uint64_t x = 0;
  while (x == 0)
    x = (uint64_t{rd()} << 32) ^ rd();
  return x;
}

} // namespace

options options_from(const config::cluster_config& cfg) {
  options opts;
  for (const auto& n : cfg.nodes)
    opts.endpoints.push_back(endpoint{n.id, n.host, n.port});
  opts.shards = cfg.shards;
  return opts;
}

options with_random_ids(options opts) {
  if (opts.client_id == 0)
    opts.client_id = random_nonzero();
  if (opts.seed == 0)
    opts.seed = random_nonzero();
  return opts;
}

transport_options transport_from(const config::timing_config& timing) {
  transport_options t;
  t.heartbeat_ms = timing.transport_heartbeat_ms;
  t.connection_timeout_ms = timing.connection_timeout_ms;
  return t;
}

} // namespace keel::client
