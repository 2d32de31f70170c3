// storage_actor: the CAF shell around one shard replica's durable state: the
// kv_state_machine over the node's shared engine. One per shard replica,
// spawned detached because it blocks on RocksDB and fsync. Started by the
// node's supervision tree (storage comes first in node_sup, rest_for_one): on
// (re)start it reads the shard's applied index from disk, so an incarnation
// continues exactly where a crashed one stopped. Any RocksDB error crashes it
// before anything unconfirmed is acknowledged.
//
// Messages (atoms from messages/type_ids.hpp):
//   (kv_atom, pb<kv::Request>) -> pb<kv::Response>
//       The single-node path: invalid input answers STATUS_INVALID_ARGUMENT
//       and writes nothing; a get is answered from the committed data; writes
//       wait for the next group commit (below) and are answered after it.
//   (flush_atom)  [to itself only]
//       Group commit: the first write queued while no flush is pending sends
//       this to self. The mailbox is FIFO, so every write already queued is
//       handled first; the flush applies all of them as ONE log index
//       (applied + 1) in ONE batch with ONE fsync, then answers them all.
//   (apply_atom, pb<command::CommandBatch>, uint64_t index, uint64_t term, bool sync)
//       -> std::vector<pb<kv::Response>>, one per command, in order
//       The replication path: applies a committed log entry (index must be
//       above the applied index), committed with or without fsync.
//   (snap_atom) -> pb<storage::ShardSnapshot>            export this shard
//   (snap_atom, pb<storage::ShardSnapshot>) -> caf::ok_atom  import (synced);
//       an error if the snapshot is for another shard
//   (status_atom) -> pb<admin::ShardStatus>  with shard, applied_index,
//       last_index and snapshot_index
// A failed commit makes every waiting write receive an error (never OK) and
// the actor exit with that error; its supervisor restarts it.
#pragma once

#include <cstdint>
#include <memory>

#include "caf/fwd.hpp"

#include "actors/storage/core/client_request.hpp"

namespace keel::storage {

class engine;

/// Where the actor runs.
enum class spawn_mode {
  detached,  // its own thread: production, since it blocks on fsync
  scheduled, // on the scheduler: for the deterministic test coordinator
};

/// Spawns the storage actor of `shard` over `db` (which it co-owns).
/// From a supervisor's start function: spawn_storage_actor(ctx.supervisor->system(), ...).
/// REQUIRES: shard < db->shards().
caf::actor spawn_storage_actor(caf::actor_system& sys, std::shared_ptr<engine> db,
                               uint32_t shard, limits lim,
                               spawn_mode mode = spawn_mode::detached);

/// The most commands one group commit applies as one log entry; more waiting
/// writes go into the next flush.
inline constexpr size_t max_commands_per_flush = 1024;

} // namespace keel::storage
