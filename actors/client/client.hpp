// The Keel client library. A session talks to the client services of a Keel
// cluster (one published actor per keel-node): linearizable put, get, del and
// compare-and-swap with exactly-once writes (Raft thesis §6.3), leader routing
// with one retry policy, and the operator calls (tree, status, members, fault).
// Used by keelctl, keel-bench and applications; docs/client.md is the guide.
//
// This header is what an application includes: the blocking session and, through
// the headers below, its endpoints, options, results and runtime. The actor
// that runs a session is in session_actor.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "caf/fwd.hpp"

#include "actors/client/endpoint.hpp"
#include "actors/client/options.hpp"
#include "actors/client/result.hpp"
#include "actors/client/runtime.hpp"
#include "messages/admin.pb.h"

namespace keel::client {

/// How a get is served (messages/kv.proto, Get): by the shard's leader after a
/// ReadIndex round, or by any replica from what it has applied.
enum class read_consistency : uint8_t { linearizable, serializable };

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
/// Threads: a session runs one operation at a time, blocking or not. For
/// parallel load, create one session per thread on one shared runtime, or
/// drive many sessions from a few threads with the asynchronous forms.
class session {
public:
  /// Receives the result of an asynchronous operation. It runs once, on one
  /// of the runtime's scheduler threads, so it must not block; it may start
  /// the session's next operation.
  using completion = std::function<void(result)>;

  /// A session on `rt` that connects through network_connector()
  /// (session_actor.hpp): with TLS when the runtime was made with TLS.
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

  /// Reads key: ok with the value, or not_found. Linearizable by default
  /// (the shard's leader, after a ReadIndex round); serializable reads are
  /// served by any replica from what it has applied, faster and also without
  /// a majority, but possibly stale (kv.proto, Get).
  result get(std::string_view key, read_consistency consistency = read_consistency::linearizable);

  /// Removes key: ok, or not_found when it was absent (nothing changes).
  result del(std::string_view key);

  /// Sets key to value if it holds `expected`: ok, cas_mismatch (with the
  /// current value when the node reports it), or not_found.
  result cas(std::string_view key, std::string_view expected, std::string_view value);

  /// Creates key with value if it is absent: ok or cas_mismatch.
  result cas_absent(std::string_view key, std::string_view value);

  /// The asynchronous forms of the calls above: the same operation, with the
  /// same retries, deadline and exactly-once seq, started at once; `done`
  /// gets its result. Without a thread blocked per operation, a client that
  /// keeps many sessions busy costs a fraction of the CPU and of the context
  /// switches (docs/benchmarks.md section 17).
  // REQUIRES: no operation of this session is in flight, and none is when the
  // session is destroyed (the completion has started).
  void put(std::string_view key, std::string_view value, completion done);
  void get(std::string_view key, read_consistency consistency, completion done);
  void del(std::string_view key, completion done);
  void cas(std::string_view key, std::string_view expected, std::string_view value,
           completion done);
  void cas_absent(std::string_view key, std::string_view value, completion done);

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
  /// The metrics of endpoints()[i], or of each node, as Prometheus text
  /// (admin::NodeMetrics).
  admin_result<admin::NodeMetrics> metrics(size_t i);
  std::vector<admin_result<admin::NodeMetrics>> metrics_all();

  /// Every endpoint's state digests, one per local shard replica (admin.proto,
  /// ShardDigest), asked in parallel: equal digests at equal applied indexes
  /// mean the replicas of a shard hold the same state.
  std::vector<admin_result<admin::NodeDigest>> digest_all();

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

} // namespace keel::client
