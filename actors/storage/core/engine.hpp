// engine: a node's durable storage over one kv_store (kv_store.hpp): RocksDB on
// a node (open_rocks_engine, actors/storage/engine/engine.hpp), memory in tests
// and simulations (memory_store.hpp). Opened once by the node and shared by
// every shard's storage actor through a std::shared_ptr<engine> (the store is
// thread-safe; each shard's records live in their own key range, see
// key_layout.hpp). Per shard it keeps the key-value data, the Raft log, hard
// state and log compaction point, the applied index (always in the same atomic
// batch as the data it describes) and the client sessions used for
// exactly-once writes. Pure: no RocksDB, no CAF, no logging, no clock.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/base/core/unsafe_switches.hpp"
#include "actors/storage/core/kv_store.hpp"
#include "actors/storage/core/storage_error.hpp"
#include "actors/storage/core/write_batch.hpp"
#include "messages/raft.pb.h"
#include "messages/storage.pb.h"

namespace keel::storage {

/// The node's storage engine. All reads see committed state only; writes go
/// through a write_batch and engine::commit. Reads throw engine_error when
/// the store fails (storage_error.hpp: the storage actor ends and is
/// restarted); a shard the node does not have is a broken invariant.
class engine {
public:
  using open_result = result<std::unique_ptr<engine>>;

  /// The engine of node `node_id` split into `shards` shards over `store`,
  /// which it co-owns. An empty store becomes this node's (its identity
  /// record, with a fresh random incarnation, is written, synced); a store
  /// with an identity must be this
  /// node's, with this shard count and on-disk format. An error, never an
  /// engine, for a store of another node, another shard count or format, or
  /// data without an identity record (errc::foreign), shards == 0
  /// (errc::invalid), or a store that cannot be read or written.
  static open_result open(std::shared_ptr<kv_store> store, const std::string& node_id,
                          uint32_t shards);

  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  /// Where the store lives (the data directory of a RocksDB store).
  const std::string& dir() const { return store_->name(); }
  const std::string& node_id() const { return node_id_; }
  uint32_t shards() const { return shards_; }

  /// This data directory's incarnation (storage.proto NodeIdentity): drawn
  /// when it was created, never zero, the same at every open.
  uint64_t incarnation() const { return incarnation_; }

  // --- what this node believed of its peers (peer_incarnations.hpp) --------

  /// The incarnation recorded for each peer, by node id (checked at open: a
  /// record that does not match its key fails the open).
  std::map<std::string, uint64_t> peer_incarnations() const;

  /// Records `peer`'s incarnation, synced. errc::io on the store's failure.
  result<void> remember_peer_incarnation(const std::string& peer, uint64_t incarnation);

  // --- reads (committed state) ----------------------------------------------

  /// The value of `key` in `shard`, or nullopt if absent.
  std::optional<std::string> get(uint32_t shard, std::string_view key) const;

  /// How far `shard` has applied its log (zero for a new shard).
  AppliedState applied(uint32_t shard) const;

  /// The deduplication record of `client_id` in `shard`, or nullopt.
  std::optional<ClientSession> session(uint32_t shard, uint64_t client_id) const;

  /// Every deduplication record of `shard`, sorted by client id.
  std::vector<SessionEntry> sessions(uint32_t shard) const;

  /// The Raft hard state of `shard` (zero for a new shard).
  raft::HardState hard_state(uint32_t shard) const;

  /// The compaction point of the log of `shard` (zero: nothing compacted).
  LogState log_state(uint32_t shard) const;

  /// The index of the first entry the log can serve: snapshot_index + 1.
  uint64_t first_index(uint32_t shard) const;

  /// The index of the last entry, or snapshot_index if the log is empty.
  uint64_t last_index(uint32_t shard) const;

  /// The entries of `shard` with lo <= index < hi, stopping before the total
  /// of their serialized sizes exceeds max_bytes, but always at least one
  /// entry if lo < hi (etcd raft's Storage.Entries).
  /// errc::compacted if lo < first_index; errc::unavailable if
  /// hi > last_index + 1. REQUIRES: lo <= hi.
  result<std::vector<raft::Entry>> entries(uint32_t shard, uint64_t lo, uint64_t hi,
                                           uint64_t max_bytes) const;

  /// The term of the entry at `index`; the compaction point answers with its
  /// snapshot_term (index 0 with 0). errc::compacted if index <
  /// snapshot_index; errc::unavailable if index > last_index.
  result<uint64_t> term(uint32_t shard, uint64_t index) const;

  // --- writes ---------------------------------------------------------------

  /// An empty batch over this engine. It must not outlive the engine.
  write_batch make_batch() const;

  /// Writes `batch` atomically: all of it or (on error) none of it. With
  /// sync, it is durable before commit returns (RocksDB: the write-ahead log
  /// is fsynced), so the batch survives a crash of the machine. On success
  /// the batch is emptied. On the store's error (errc::io) nothing may be
  /// acknowledged. REQUIRES: `batch` was made by this engine.
  result<void> commit(write_batch& batch, bool sync);

  /// A commit's place in the order of this engine's commits (sync_through).
  using commit_ticket = uint64_t;

  /// Group commit, step 1: writes `batch` atomically like commit(batch,
  /// false) and returns its ticket. It is durable once a sync_through(ticket)
  /// has returned. The storage actors of all the node's shards commit their
  /// log writes this way, and one fsync by the node's log syncer
  /// (actors/storage/log_syncer.hpp) then covers all of them.
  result<commit_ticket> commit_for_sync(write_batch& batch);

  /// Group commit, step 2: makes the commit with `ticket`, and every commit
  /// that returned before it, durable. Answers false without touching the
  /// disk when a sync since that commit already covered it, true when it
  /// synced (one fsync covers every commit that returned before it started).
  /// On the store's error (errc::io) nothing it covers may be acknowledged.
  /// Thread-safe: syncs run one at a time.
  result<bool> sync_through(commit_ticket ticket);

  /// Held by a storage actor's thread of long work while it replaces a whole
  /// shard (a snapshot's install or import), and taken by every new storage
  /// actor of that shard before it reads the shard: a storage actor killed
  /// mid-install leaves its thread to finish, and its successor must neither
  /// read the shard half replaced nor load what the install is about to
  /// replace. REQUIRES: shard < shards().
  std::mutex& shard_rewrite_lock(uint32_t shard) const;

  /// The number of successful commits since open (for tests and metrics).
  uint64_t commit_count() const { return commits_.load(std::memory_order_relaxed); }

  /// How many of those were synced (fsync).
  uint64_t synced_commit_count() const { return synced_commits_.load(std::memory_order_relaxed); }

  /// How many times sync_through touched the disk.
  uint64_t sync_count() const { return syncs_.load(std::memory_order_relaxed); }

  // --- snapshots of one shard's state machine -------------------------------

  /// The data (sorted by key), sessions (sorted by client id) and applied
  /// index/term of `shard`, all as they were at one moment during the call:
  /// it reads a read view of the store (kv_store::read_view), so the shard's
  /// writes may go on meanwhile. One export at a time per engine: each takes
  /// a core and the shard's size in memory, and a node whose shards all
  /// exported at once, as they do for a follower that was away, starved its
  /// scheduler (docs/benchmarks.md section 34).
  ShardSnapshot export_shard(uint32_t shard) const;

  /// Replaces the data, sessions and applied index/term of
  /// `snapshot.shard()` by the snapshot's, atomically and synced. Other
  /// shards, and this shard's log and hard state, are untouched.
  result<void> import_shard(const ShardSnapshot& snapshot);

  /// TEST ONLY: the switches that break this node's safety on purpose
  /// (unsafe_switches.hpp); set once, before any shard uses the engine.
  void allow_unsafe(const unsafe_switches& s) { unsafe_ = s; }
  const unsafe_switches& unsafe() const { return unsafe_; }

private:
  engine(std::shared_ptr<kv_store> store, std::string node_id, uint32_t shards,
         uint64_t incarnation);

  void check_shard(uint32_t shard) const;
  /// commit and commit_for_sync: writes, counts, and returns the ticket (the
  /// latest one for an empty batch, which has nothing of its own to sync).
  result<commit_ticket> commit_and_count(write_batch& batch, bool sync);
  /// "the log of shard 2 in DIR compacted away index 7", and so on.
  storage_error log_error(errc code, uint32_t shard, uint64_t index) const;

  std::shared_ptr<kv_store> store_;
  unsafe_switches unsafe_;
  std::string node_id_;
  uint32_t shards_;
  uint64_t incarnation_;
  // commits_ is also the ticket counter: a commit takes its ticket after its
  // write returned (release), and a sync reads it before it starts (acquire),
  // so every ticket up to what the sync read is on disk when it ends.
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> synced_commits_{0};
  std::atomic<uint64_t> syncs_{0};
  std::mutex sync_mu_;
  mutable std::mutex export_mu_;                // export_shard: one at a time
  std::unique_ptr<std::mutex[]> rewrite_locks_; // one per shard
  commit_ticket synced_through_ = 0;            // guarded by sync_mu_
};

} // namespace keel::storage
