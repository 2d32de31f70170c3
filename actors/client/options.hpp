// options: how one session behaves (its nodes, deadlines, retries, identity)
// and how the runtime under it connects (middleman timing, TLS), each
// derivable from a cluster.conf.
#pragma once

#include <cstdint>
#include <vector>

#include "actors/client/core/retry_policy.hpp"
#include "actors/client/core/tls_files.hpp"
#include "actors/client/endpoint.hpp"
#include "actors/config/core/cluster_config.hpp"

namespace keel::client {

/// Settings of one session.
struct options {
  std::vector<endpoint> endpoints;    // invariant for a session: not empty
  uint32_t timeout_ms = 5000;         // whole-operation deadline, retries included
  uint32_t request_timeout_ms = 1000; // one connect or one request; never past the deadline
  retry_settings retry;               // backoff between attempts
  uint64_t client_id = 0;             // the session's id in every request; 0: random
  uint64_t seed = 0;                  // seeds the retry jitter and rotation; 0: random
  uint32_t shards = 0;                // the cluster's shard count, for a leader cache per
                                      // shard; 0: unknown, one cached leader for all keys
};

/// Options for the cluster that `cfg` describes: its nodes as endpoints (with
/// their ids, so NOT_LEADER hints can be followed) and its shard count.
options options_from(const config::cluster_config& cfg);

/// `opts` with a zero client_id and a zero seed replaced by random non-zero
/// values: what a session actually runs with.
options with_random_ids(options opts);

/// Middleman settings. Heartbeat and connection timeout must equal the nodes'
/// (cluster.conf timing.transport_heartbeat_ms / connection_timeout_ms): a
/// connection timeout on one end only drops healthy idle peers, and without
/// heartbeats a connect to a frozen node never returns (CAF field guide §0,
/// pitfalls 7 and 8).
struct transport_options {
  uint32_t heartbeat_ms = 100;
  uint32_t connection_timeout_ms = 500;
  // Scheduler threads of the runtime; 0: CAF's default (at least 4). One by
  // default: a session's work is a few microseconds of messaging per
  // operation, and a second thread only adds hand-offs through the shared
  // queue (docs/benchmarks.md section 22 measures it). More only for
  // completions that compute.
  uint32_t threads = 1;
  tls_settings tls; // enabled: every connection is mutual TLS (CAF's openssl
                    // module); a TLS node refuses plaintext and vice versa
};

/// Transport settings matching the nodes of a cluster.conf.
transport_options transport_from(const config::timing_config& timing);

} // namespace keel::client
