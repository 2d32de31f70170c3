// session_actor: the event-based actor that runs a client session's
// operations: leader routing and retries with one seq per write (Raft thesis
// §6.3), connections made lazily and dropped when a node goes down, and the
// operator calls. The blocking session in client.hpp waits on it; tests and
// embedders may drive it directly.
#pragma once

#include "caf/fwd.hpp"

#include "actors/client/options.hpp"

namespace keel::client {

/// Spawns the event-based actor that runs a session's operations. Protocol:
///   (kv_atom, pb<kv::Request>, uint32_t timeout_ms)
///       -> (pb<kv::Response>, std::string node, bool contacted)
///     runs one operation: the actor sets client_id, and a fresh seq for
///     writes; the answer's status is status_of(outcome).
///   (tree_atom | status_atom | members_atom | digest_atom | metrics_atom, uint32_t endpoint,
///    uint32_t timeout_ms) -> pb<admin::NodeTree | NodeStatus | Members | NodeDigest | NodeMetrics>
///   (fault_atom, uint32_t endpoint, pb<admin::FaultRequest>, uint32_t timeout_ms)
///       -> pb<admin::FaultResponse>
///     operator calls fail with sec::cannot_connect_to_node (never sent),
///     sec::unexpected_message (the node does not know the call),
///     sec::request_timeout (sent, no answer: it may have been carried out)
///     or the error the node answered with; the error's context is one line.
/// `connector` must answer (caf::connect_atom, std::string host, uint16_t port)
/// with (caf::node_id, caf::strong_actor_ptr, std::set<std::string>) like
/// caf::io::middleman_actor: network_connector() in production, a fake in
/// tests that serve endpoints from local actors. Key-value attempts go to the
/// nodes through `channel` (kv_channel.hpp), which the sessions of a runtime
/// share so that their requests travel in batches.
// REQUIRES: !opts.endpoints.empty(), channel is a kv_channel
caf::actor spawn_session_actor(caf::actor_system& sys, options opts, const caf::actor& connector,
                               const caf::actor& channel);

/// The connector for spawn_session_actor: the openssl manager of `sys` when
/// the system loaded it (a TLS runtime: it never dials in plaintext), else the
/// middleman. Both answer connect_atom alike.
caf::actor network_connector(caf::actor_system& sys);

} // namespace keel::client
