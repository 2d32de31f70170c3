// storage_actor: the CAF shell around one shard replica's durable state (a
// replica_storage over the node's shared engine). One per shard replica.
// Started by the node's supervision tree before the shard's replica actor,
// which persists and applies through it in mailbox order, one request per
// Raft ready (storage.proto, bottom). Every write is one atomic RocksDB batch;
// any RocksDB error crashes the actor before the request is acknowledged, and
// its supervisor restarts it from durable state.
//
// It runs on the node's scheduler, beside the replica that talks to it, and
// never blocks it for longer than a RocksDB write: a persist's fsync is the
// log syncer's, one fsync for every shard's ready that arrived meanwhile
// (log_syncer.hpp: the node's group commit, which by default also runs on
// the scheduler, in a turn of its own), and whole-shard work (a load, a
// snapshot's install or import, a digest) runs on a thread of its own while
// the actor awaits it, so the shard's later requests still wait their turn.
// An export runs on a thread of its own too, but from a read view of the
// store, so the actor serves the shard's later requests meanwhile. The replica batches on its side:
// one persist holds everything a Raft ready has (all entries proposed meanwhile, the hard state,
// the entries it commits).
//
// storage_api below is the protocol; what its messages mean:
//   load: what a (re)starting replica needs: hard state, log state, applied
//       state and the stored entries after the compaction point, not the
//       shard's data (the store is the snapshot). See replica_storage::load.
//   persist: one Raft ready in ONE batch: its durable part (snapshot if
//       present, then entries, then hard state if present), then the
//       committed entries it lets be applied (PersistRequest.committed);
//       answered with their results only once the batch is on disk (Figure
//       2): by the log syncer after the fsync that covers it, or here after a
//       synced commit when it holds a snapshot. A ready whose only durable
//       change is the commit index is not synced (raft::ready::must_sync) and
//       is answered at once. The applies need no fsync of their own: their
//       entries are committed, the applied index is in the same atomic batch
//       as the data, and a crash loses the applies together with the commit
//       index that allowed them, after which the replica re-applies exactly
//       what was lost (entries at or below the applied index are skipped,
//       never applied twice).
//   compact: drops the stored log up to the index (REQUIRES index <= applied
//       index), without fsync: a crash loses at most a suffix of the unsynced
//       commits (RocksDB replays its write-ahead log in order), so a
//       compaction that survives implies that the applies before it did.
//   kv: reads only. A get is answered from the committed data; invalid input
//       and every write (which must go through the shard's replica and its
//       log) answer STATUS_INVALID_ARGUMENT.
//       A RequestBatch of them is answered as a
//       ResponseBatch, each under its tag, in order: the reads of one turn of
//       the replica in one message.
//   snap: without a snapshot exports this shard as it is at some moment
//       after every earlier request was served (its applied index at least
//       what those applied; later requests are served before the answer);
//       with one imports it (synced), an error if it is for another shard.
//   digest: the state_digest of what snap would export, with its applied
//       index and sizes (the convergence check of keel-jepsen).
// Failures (storage_error.hpp): a failed commit, a failed read and a committed
// entry whose data is not a CommandBatch make the actor exit with the error, so
// that its supervisor restarts it from disk. A request that breaks an invariant
// (a gap, a snapshot of another shard in persist, compaction beyond the applied
// index) is a bug, not input: a KEEL_ASSERT stops the node.
#pragma once

#include <cstdint>
#include <memory>

#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "actors/storage/core/client_request.hpp"
#include "actors/storage/log_syncer.hpp"
#include "actors/storage/spawn_mode.hpp"
#include "messages/type_ids.hpp"

namespace keel::metrics {
class node_metrics;
}

namespace keel::storage {

class engine;

/// The storage actor's protocol, checked by the compiler at both ends.
using storage_api
  = caf::typed_actor<caf::replies_to<load_atom>::with<pb<ReplicaState>>,
                     caf::replies_to<persist_atom, pb<PersistRequest>>::with<pb<ApplyResult>>,
                     caf::replies_to<compact_atom, uint64_t>::with<caf::ok_atom>,
                     caf::replies_to<kv_atom, pb<kv::Request>>::with<pb<kv::Response>>,
                     caf::replies_to<kv_atom, pb<kv::RequestBatch>>::with<pb<kv::ResponseBatch>>,
                     caf::replies_to<snap_atom>::with<pb<ShardSnapshot>>,
                     caf::replies_to<snap_atom, pb<ShardSnapshot>>::with<caf::ok_atom>,
                     caf::replies_to<status_atom>::with<pb<admin::ShardStatus>>,
                     caf::replies_to<digest_atom>::with<pb<admin::ShardDigest>>>;

/// Spawns the storage actor of `shard` over `db` (which it co-owns); `lim`
/// bounds the keys of reads. Its synced writes are made durable by `syncer`,
/// the log syncer of `db` (REQUIRED), which answers the persist. A supervisor's start function,
/// which hands its supervisor a caf::actor, converts with caf::actor_cast<caf::actor>. REQUIRES:
/// shard < db->shards(). Its applies are timed into `metrics` (none: a registry of its own that
/// nothing reads); the syncer counts the fsyncs.
storage_api spawn_storage_actor(caf::actor_system& sys, std::shared_ptr<engine> db,
                                log_syncer_api syncer, uint32_t shard, limits lim,
                                spawn_mode mode = spawn_mode::threads,
                                std::shared_ptr<metrics::node_metrics> metrics = nullptr);

} // namespace keel::storage
