// The only CAF type-ID block of Keel: every message type and every atom that any
// actor sends. Both ends of a connection must register the same block, so every
// actor_system_config in apps and tests calls keel::register_message_types().
#pragma once

#include "caf/actor_system_config.hpp"
#include "caf/atom.hpp"
#include "caf/type_id.hpp"

#include "messages/admin.pb.h"
#include "messages/command.pb.h"
#include "messages/kv.pb.h"
#include "messages/pb.hpp"
#include "messages/peer.pb.h"
#include "messages/raft.pb.h"
#include "messages/storage.pb.h"

namespace keel {
using kv_request = pb<kv::Request>;
using kv_response = pb<kv::Response>;
using raft_batch = pb<raft::MessageBatch>;
} // namespace keel

// clang-format off: one type per line, indented as a block.
CAF_BEGIN_TYPE_ID_BLOCK(keel, caf::first_custom_type_id)

// Client protocol (kv.proto) and replicated commands (command.proto).
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::kv::Request>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::kv::Response>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::command::Command>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::command::CommandBatch>))

// Raft (raft.proto).
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::raft::Message>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::raft::MessageBatch>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::raft::Entry>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::raft::HardState>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::raft::Snapshot>))

// Peer handshake and authenticated frames (peer.proto).
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::peer::PeerHello>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::peer::PeerChallenge>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::peer::PeerConfirm>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::peer::PeerAccepted>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::peer::PeerFrame>))

// Storage records (storage.proto).
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::storage::ShardSnapshot>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::storage::ReplicaState>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::storage::PersistRequest>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::storage::ApplyResult>))

// Operator protocol (admin.proto).
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::admin::ActorInfo>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::admin::NodeTree>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::admin::NodeStatus>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::admin::ShardStatus>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::admin::FaultRequest>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::admin::FaultResponse>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::admin::Members>))

// Atoms (at most 10 characters). Grouped by the actor that handles them.
// Supervisors (supervisors/).
CAF_ADD_ATOM(keel, keel, tree_atom, "tree")         // -> this subtree as admin::ActorInfo
CAF_ADD_ATOM(keel, keel, restart_atom, "restart")   // retry a failed child start
CAF_ADD_ATOM(keel, keel, shutdown_atom, "shutdown") // a child's shutdown deadline passed
CAF_ADD_ATOM(keel, keel, start_atom, "start")       // simple_one_for_one: start a child
CAF_ADD_ATOM(keel, keel, which_atom, "which")       // list children (id -> handle)
// Storage (actors/storage/).
CAF_ADD_ATOM(keel, keel, read_atom, "read")       // read a key
CAF_ADD_ATOM(keel, keel, flush_atom, "flush")     // group commit: sync what is pending
CAF_ADD_ATOM(keel, keel, sync_atom, "sync")       // the log syncer's gate: start the next fsync
CAF_ADD_ATOM(keel, keel, persist_atom, "persist") // one raft ready: persist, then apply
CAF_ADD_ATOM(keel, keel, snap_atom, "snapshot")   // export / import a shard snapshot
CAF_ADD_ATOM(keel, keel, compact_atom, "compact") // compact the log up to an index
CAF_ADD_ATOM(keel, keel, load_atom, "load")       // a replica's durable state at start
// Replication (actors/replication/).
CAF_ADD_ATOM(keel, keel, tick_atom, "tick")         // the replica's one timer
CAF_ADD_ATOM(keel, keel, raft_atom, "raft")         // peer traffic
CAF_ADD_ATOM(keel, keel, propose_atom, "propose")   // a client command to replicate
CAF_ADD_ATOM(keel, keel, transfer_atom, "transfer") // leadership transfer
// Client service and operators (actors/client/).
CAF_ADD_ATOM(keel, keel, kv_atom, "kv")           // a client request
CAF_ADD_ATOM(keel, keel, status_atom, "status")   // -> admin::NodeStatus / ShardStatus
CAF_ADD_ATOM(keel, keel, fault_atom, "fault")     // fault injection
CAF_ADD_ATOM(keel, keel, members_atom, "members") // failure detector view
CAF_ADD_ATOM(keel, keel, retry_atom, "retry")     // client session: next attempt after a backoff
// Monitor and transport (actors/monitor/, actors/replication/transport).
CAF_ADD_ATOM(keel, keel, ping_atom, "ping")
CAF_ADD_ATOM(keel, keel, pong_atom, "pong")
CAF_ADD_ATOM(keel, keel, connect_atom, "connect") // (re)connect to a peer
CAF_ADD_ATOM(keel, keel, peer_atom, "peer")       // peer up / down notifications
// Added later, at the end so that the IDs above (and the fuzz corpus that
// holds them) stay as they were. Convergence checks (keel-jepsen).
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::admin::ShardDigest>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::admin::NodeDigest>))
CAF_ADD_ATOM(keel, keel, digest_atom, "digest") // -> admin::NodeDigest / ShardDigest
// The operator's metrics (keelctl metrics, the HTTP endpoint).
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::admin::NodeMetrics>))
CAF_ADD_ATOM(keel, keel, metrics_atom, "metrics") // -> admin::NodeMetrics
// Client requests and answers in batches (kv.proto, RequestBatch).
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::kv::RequestBatch>))
CAF_ADD_TYPE_ID(keel, (keel::pb<keel::kv::ResponseBatch>))

CAF_END_TYPE_ID_BLOCK(keel)
// clang-format on

namespace keel {

/// Registers every Keel message type with CAF. Call it on every config that
/// spawns Keel actors or talks to a Keel node.
inline void register_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::keel>();
}

} // namespace keel
