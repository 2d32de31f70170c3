// service_api: the protocol of a node's client port, the one thing a client
// and a node must agree on besides the messages themselves. It lives with the
// messages because both sides need it and neither may see the other: the
// service is a shell of the node (actors/service/), the session that talks to
// it is the client library (actors/client/), and the layer table
// (tests/check_layers.cmake) keeps those apart.
//
// kv: a request for one key, routed to its shard's replica on the node; or a
// batch of them (kv.proto, RequestBatch), sent one way: the service answers
// each request with (kv_atom, pb<kv::ResponseBatch>) to the batch's sender,
// batched again, as the answers come. Remote clients send batches
// (actors/client/kv_channel.hpp); the single form serves in-process callers.
// tree, status, members, metrics: the operator's views. digest: every local
// replica's state digest (convergence checks). fault: fault injection,
// refused unless enabled and proven by an operator (FaultResponse::error says
// why). The service's handlers and every client's requests are checked
// against it by the compiler.
//
// On the wire it is advisory only. The service is published behind a front
// door with an empty interface (actors/network/publish_self.hpp), so a client
// receives an untyped handle and casts it once (session_actor.cpp); whatever
// a client sends, the service answers only what is listed here.
#pragma once

#include <cstddef>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/type_ids.hpp"

namespace keel {

/// The most requests one RequestBatch may hold; a larger batch is refused as a
/// whole. A client cuts its batches at this many requests, or earlier at
/// batch_cut_bytes of them.
inline constexpr int max_batch_requests = 256;
inline constexpr size_t batch_cut_bytes = 1 << 20;

using service_api = caf::typed_actor<
  caf::replies_to<kv_atom, pb<kv::Request>>::with<pb<kv::Response>>,
  caf::reacts_to<kv_atom, pb<kv::RequestBatch>>,
  caf::replies_to<tree_atom>::with<pb<admin::NodeTree>>,
  caf::replies_to<status_atom>::with<pb<admin::NodeStatus>>,
  caf::replies_to<members_atom>::with<pb<admin::Members>>,
  caf::replies_to<digest_atom>::with<pb<admin::NodeDigest>>,
  caf::replies_to<metrics_atom>::with<pb<admin::NodeMetrics>>,
  caf::replies_to<fault_atom, pb<admin::FaultRequest>>::with<pb<admin::FaultResponse>>>;

} // namespace keel
