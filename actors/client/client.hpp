// The Keel client library. A session talks to the client services of a Keel
// cluster (one published actor per keel-node): linearizable put, get, del and
// compare-and-swap with exactly-once writes (Raft thesis §6.3), leader routing
// with one retry policy, and the operator calls (tree, status, members, fault).
// Used by keelctl, keel-bench and applications; docs/client.md is the guide.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "caf/fwd.hpp"

#include "actors/client/core/outcome.hpp"
#include "actors/client/core/retry_policy.hpp"
#include "actors/client/core/tls_files.hpp"
#include "actors/config/core/cluster_config.hpp"
#include "messages/admin.pb.h"

namespace keel::client {

// -- where the nodes are -------------------------------------------------------

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

/// Parses "host:port,host:port,...". Returns the endpoints in order, or a
/// one-line description of what is malformed.
std::variant<std::vector<endpoint>, std::string> parse_endpoints(std::string_view list);

// -- how one session behaves ---------------------------------------------------

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

// -- the CAF runtime sessions share ----------------------------------------------

/// Middleman settings. Heartbeat and connection timeout must equal the nodes'
/// (cluster.conf timing.transport_heartbeat_ms / connection_timeout_ms): a
/// connection timeout on one end only drops healthy idle peers, and without
/// heartbeats a connect to a frozen node never returns (CAF field guide §0,
/// pitfalls 7 and 8).
struct transport_options {
  uint32_t heartbeat_ms = 100;
  uint32_t connection_timeout_ms = 500;
  uint32_t threads = 0; // scheduler threads; 0: CAF's default
  tls_settings tls;     // enabled: every connection is mutual TLS (CAF's openssl
                        // module); a TLS node refuses plaintext and vice versa
};

/// Transport settings matching the nodes of a cluster.conf.
transport_options transport_from(const config::timing_config& timing);

/// The CAF actor system that sessions run on: the middleman (with the
/// transport options above), with TLS also CAF's openssl module, Keel's
/// message types, the 'sharing' scheduler and no extra middleman workers
/// (field guide §5: about half the loopback latency). Create one per process
/// and let every session borrow it; a session keeps the system alive until it
/// is destroyed, so destroying the runtime first is safe. Thread-safe.
class runtime {
public:
  /// Throws std::invalid_argument when opts.tls names a CA but not both a
  /// certificate and a key (CAF would terminate the process instead).
  explicit runtime(transport_options opts = {});
  ~runtime();

  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// The actor system (for tests and embedders that spawn their own actors).
  caf::actor_system& system();

private:
  friend class session;
  struct impl;
  std::shared_ptr<impl> impl_;
};

// -- what an operation returns ---------------------------------------------------

/// The result of one key-value operation.
struct result {
  client::outcome outcome = client::outcome::unknown;
  std::optional<std::string> value; // get: the value; cas_mismatch: the current
                                    // value when the node reported it
  std::string error;                // why, when the outcome is not ok
  std::string node;                 // the endpoint (name()) that gave the final answer;
                                    // empty when the session gave up
  uint64_t index = 0;               // writes: the Raft index where it took effect
  bool contacted = false;           // some request of this operation reached a node
                                    // (false: every connection attempt failed)
  std::string unknown_leader;       // when not ok: a node named as the leader that is
                                    // not among the endpoints (too few endpoints given)

  bool ok() const {
    return outcome == client::outcome::ok;
  }
};

/// The result of one operator call on one node. `outcome` is ok, unavailable
/// (not carried out: no connection, or the node does not know the call or
/// answered with an error) or unknown (sent, and no answer within the deadline).
template <class T>
struct admin_result {
  client::outcome outcome = client::outcome::unknown;
  std::optional<T> value; // set iff outcome == ok
  std::string error;      // why not, in one line
  bool contacted = false; // the request reached the node (false: no connection)

  bool ok() const {
    return outcome == client::outcome::ok;
  }
};

// -- the session -------------------------------------------------------------------

/// One client of a Keel cluster: a Raft client session (thesis §6.3) with a
/// random 64-bit client_id and a seq that grows with every new write. A write
/// that is retried (after a timeout, a NOT_LEADER answer or a lost connection)
/// keeps its seq, so the replicated state machine applies it at most once.
///
/// Every call blocks until the operation is over, at most options.timeout_ms
/// (plus scheduling noise). Connections are made lazily, one per endpoint,
/// cached, and dropped when the node goes down (a restarted node is
/// reconnected on the next attempt).
///
/// Threads: a session may be used by one thread at a time. For parallel
/// load, create one session per thread on one shared runtime.
class session {
public:
  /// A session on `rt` that connects through network_connector(): with TLS
  /// when the runtime was made with TLS.
  // REQUIRES: !opts.endpoints.empty()
  session(runtime& rt, options opts);

  /// A session that asks `connector` instead of the middleman to connect:
  /// it must answer (caf::connect_atom, std::string host, uint16_t port) with
  /// (caf::node_id, caf::strong_actor_ptr, std::set<std::string>) like
  /// caf::io::middleman_actor. For tests that serve endpoints from local actors.
  // REQUIRES: !opts.endpoints.empty()
  session(runtime& rt, options opts, const caf::actor& connector);

  ~session();
  session(session&&) noexcept;
  session& operator=(session&&) noexcept;

  /// Sets key to value.
  result put(std::string_view key, std::string_view value);

  /// Reads key: ok with the value, or not_found.
  result get(std::string_view key);

  /// Removes key: ok, or not_found when it was absent (nothing changes).
  result del(std::string_view key);

  /// Sets key to value if it holds `expected`: ok, cas_mismatch (with the
  /// current value when the node reports it), or not_found.
  result cas(std::string_view key, std::string_view expected, std::string_view value);

  /// Creates key with value if it is absent: ok or cas_mismatch.
  result cas_absent(std::string_view key, std::string_view value);

  /// The live supervision tree of the node at endpoints()[i].
  admin_result<admin::NodeTree> tree(size_t i);

  /// The shard replicas of the node at endpoints()[i].
  admin_result<admin::NodeStatus> status(size_t i);

  /// The membership view (transport and failure detector) of endpoints()[i].
  admin_result<admin::Members> members(size_t i);

  /// Sends a fault-injection request to endpoints()[i]. A node with fault
  /// injection disabled answers ok = false with the reason.
  admin_result<admin::FaultResponse> fault(size_t i, const admin::FaultRequest& req);

  /// tree, status and members of every endpoint, asked in parallel (one
  /// deadline for all), in endpoint order.
  std::vector<admin_result<admin::NodeTree>> tree_all();
  std::vector<admin_result<admin::NodeStatus>> status_all();
  std::vector<admin_result<admin::Members>> members_all();

  /// Sends the same fault request to every endpoint, in parallel.
  std::vector<admin_result<admin::FaultResponse>> fault_all(const admin::FaultRequest& req);

  /// The endpoint whose node id, or else address, is `name`.
  std::optional<size_t> find_endpoint(std::string_view name) const;

  const std::vector<endpoint>& endpoints() const;
  const options& settings() const;
  uint64_t client_id() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// -- the actor behind a session ----------------------------------------------------

/// Spawns the event-based actor that runs a session's operations (the session
/// facade above blocks on it; tests drive it directly). Protocol:
///   (kv_atom, pb<kv::Request>, uint32_t timeout_ms)
///       -> (pb<kv::Response>, std::string node, bool contacted)
///     runs one operation: the actor sets client_id, and a fresh seq for
///     writes; the answer's status is status_of(outcome).
///   (tree_atom | status_atom | members_atom, uint32_t endpoint, uint32_t timeout_ms)
///       -> pb<admin::NodeTree | NodeStatus | Members>
///   (fault_atom, uint32_t endpoint, pb<admin::FaultRequest>, uint32_t timeout_ms)
///       -> pb<admin::FaultResponse>
///     operator calls fail with sec::cannot_connect_to_node (never sent),
///     sec::unexpected_message (the node does not know the call),
///     sec::request_timeout (sent, no answer: it may have been carried out)
///     or the error the node answered with; the error's context is one line.
/// `connector`: see session's constructor; network_connector() in production.
// REQUIRES: !opts.endpoints.empty(), opts.client_id != 0
caf::actor spawn_session_actor(caf::actor_system& sys, options opts,
                               const caf::actor& connector);

/// The connector for spawn_session_actor: the openssl manager of `sys` when
/// the system loaded it (a TLS runtime: it never dials in plaintext), else the
/// middleman. Both answer connect_atom alike.
caf::actor network_connector(caf::actor_system& sys);

} // namespace keel::client
