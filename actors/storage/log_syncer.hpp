// log_syncer: the node's group commit. One per node, started by the node's
// supervision tree before any shard. It blocks on fsync, by default on the
// node's scheduler thread (see "Where the fsync runs" below).
// The storage actors of all the node's shards write a Raft ready's entries
// and hard state WITHOUT fsync (engine::commit_for_sync) and delegate the
// answer to this actor with the commit's ticket; it answers once the ticket
// is durable (engine::sync_through). While one fsync runs, the requests of the
// other shards queue in its mailbox; the next fsync covers them all, and the
// ones it already covered are answered without touching the disk. So a node
// syncs its write-ahead log at most once per turn, however many shards it
// hosts, instead of once per shard's ready.
//
// Why a Raft ready may be acknowledged this way: the write is in RocksDB's
// log before the ticket is taken and the fsync starts after, so the
// acknowledgement still follows the write's durability (Figure 2 of the Raft
// paper: respond to RPCs only after updating stable storage). Until then the
// write is visible to reads of this node but not acknowledged to anyone; a
// crash before the fsync loses it as it would lose an unacknowledged synced
// write, and RocksDB replays its log in order, so what survives is a prefix.
//
// Where the fsync runs: on the node's scheduler, between the other actors'
// turns, unless [cluster] log_sync_thread puts it on a thread of its own
// behind a gate (spawn_gated_log_syncer). On the scheduler, a persist's answer
// reaches the replica without two thread hand-offs (wake the syncer, wake the
// scheduler), and every persist queued before the syncer's turn rides in its
// fsync; on the benchmark machine that took a fifth to a third off the nodes'
// CPU per write at 64 clients and over a third of their context switches
// (docs/benchmarks.md section 18). The price: while the fsync runs, nothing
// else of the node runs, heartbeats included, as in etcd's raft loop. The
// gate keeps the batching (one fsync in flight, started at the end of the
// scheduler's turn, covering every persist that came meanwhile) and lets the
// node's other work go on during it. On the 2-core benchmark machine that tied
// the default at 64 clients and lost at 16 (entries leave sooner and carry
// fewer writes, so each write costs more fsyncs and CPU: section 31); it should
// pay where the fsync is slow beside the CPU a turn needs and cores are to
// spare, which that machine could not show.
//
// A failed fsync ends the actor with the error, unanswered: no storage actor
// acknowledges a write that may not be on disk. Its supervisor (the node's
// root, rest_for_one) then restarts it and every shard after it, which reload
// from what the disk holds.
#pragma once

#include <cstdint>
#include <memory>

#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "actors/storage/spawn_mode.hpp"
#include "messages/type_ids.hpp"

namespace keel::metrics {
class node_metrics;
}

namespace keel::storage {

class engine;

/// flush(ticket, results): answered with `results` once
/// engine::sync_through(ticket) has returned. The storage actor delegates a
/// ready's answer here, so the replica gets the results of the applies that
/// rode in the synced batch straight from this actor, and only then.
using log_syncer_api
  = caf::typed_actor<caf::replies_to<flush_atom, uint64_t, pb<ApplyResult>>::with<pb<ApplyResult>>>;

/// Spawns the syncer of `db`'s write-ahead log on the scheduler, where it
/// blocks on each fsync (the default, "Where the fsync runs" above). Its
/// fsyncs are counted and timed into `metrics` (none: a registry of its own
/// that nothing reads).
log_syncer_api spawn_log_syncer(caf::actor_system& sys, std::shared_ptr<engine> db,
                                std::shared_ptr<metrics::node_metrics> metrics = nullptr);

/// The syncer of [cluster] log_sync_thread: a gate on the scheduler that
/// hands one fsync at a time to a syncer on a thread of its own (with
/// spawn_mode::scheduler, on the scheduler too: for the deterministic tests),
/// each at the end of a turn, covering every flush that came while the one
/// before ran. Same protocol, same answers, same failure (the gate ends with a
/// failed fsync's error, every flush it covered or that waits for the next
/// answered with it).
log_syncer_api spawn_gated_log_syncer(caf::actor_system& sys, std::shared_ptr<engine> db,
                                      spawn_mode worker_mode = spawn_mode::threads,
                                      std::shared_ptr<metrics::node_metrics> metrics = nullptr);

} // namespace keel::storage
