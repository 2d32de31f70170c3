// kv_channel: the one actor of a client runtime that talks key-value to the
// nodes. Every session hands it its requests; it sends what is ready for a
// node as one batch (kv.proto, RequestBatch) and gives each session its own
// answer out of the batches that come back.
//
// Why: one CAF message per request and per answer cost a node more in CAF's
// remote messaging (the BASP broker's serialization, proxies and mailboxes)
// than Raft and storage together; a batch pays that once for all the
// requests that meet in it (docs/benchmarks.md, section 19). Batching adds no
// wait: the batch leaves at the end of the channel's current turn (a message
// to itself), so whatever sessions asked meanwhile rides along, and a lone
// request leaves at once, as it did before.
#pragma once

#include "caf/fwd.hpp"

namespace keel::client {

/// Spawns a channel. Protocol:
///   (kv_atom, caf::actor node, pb<kv::Request>, uint32_t timeout_ms) -> pb<kv::Response>
///     sends the request to `node` (a client service, service_api) in its next
///     batch and answers with the node's answer. Fails with
///     sec::request_timeout when none came within timeout_ms (the request may
///     have run), sec::request_receiver_down when the node went down first
///     (likewise), or sec::invalid_argument with the node's words when the
///     node refused the batch (the request did not run).
/// Only `node` can answer a request sent to it: an answer from anyone else
/// is dropped.
caf::actor spawn_kv_channel(caf::actor_system& sys);

} // namespace keel::client
