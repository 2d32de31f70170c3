// kv_store: the seam between the storage logic (engine, write_batch, the state
// machine, replica_storage: all in actors/storage/core) and the bytes that hold
// it. Only what that logic needs: point reads, ordered scans of a key range,
// the last key of a range of the log, and atomic batches that can be read
// through before they are committed, with or without sync.
// Implementations: rocks_store (actors/storage/engine, the node's disk) and
// memory_store (here, for tests and simulations: it can lose its unsynced
// writes the way a machine crash does). Pure: no RocksDB, no CAF, no clock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "actors/storage/core/storage_error.hpp"

namespace keel::storage {

/// Separate ordered key spaces of one store (RocksDB column families); see
/// key_layout.hpp for what lives in each.
enum class family : uint8_t { identity = 0, data = 1, log = 2, meta = 3 };
inline constexpr size_t family_count = 4;

/// An ordered key-value store with atomic batches. Thread-safe: one store is
/// shared by every shard of a node.
class kv_store {
public:
  /// Pending writes. The latest write of a key wins; reads through the batch
  /// (the `through` argument below) see them on top of the committed state.
  /// Made by make_batch(), usable with that store only; not thread-safe.
  class batch {
  public:
    virtual ~batch() = default;
    virtual void put(family f, std::string_view key, std::string_view value) = 0;
    virtual void del(family f, std::string_view key) = 0;
    /// The number of writes recorded (an overwritten key counts each time).
    virtual uint32_t count() const = 0;
    virtual void clear() = 0;

    const kv_store* owner() const { return owner_; }

  protected:
    explicit batch(const kv_store* owner)
      : owner_(owner) {}

  private:
    const kv_store* owner_;
  };

  using visitor = std::function<bool(std::string_view key, std::string_view value)>;

  virtual ~kv_store() = default;

  /// Where the store lives (a directory, or a memory store's name), for messages.
  virtual const std::string& name() const = 0;

  virtual std::unique_ptr<batch> make_batch() const = 0;

  /// Writes `pending` atomically: all of it or (on error) none of it. With
  /// sync, it is durable (survives a crash of the machine) before commit
  /// returns, and so is every commit before it. On success the batch is
  /// emptied. On an errc::io error nothing may be acknowledged. A batch of
  /// another store is a broken invariant (KEEL_ASSERT).
  virtual result<void> commit(batch& pending, bool sync) = 0;

  /// Makes every commit that returned before this call durable, as a synced
  /// commit would have (RocksDB: fsync of the write-ahead log). What lets
  /// several unsynced commits share one fsync (engine::sync_through). On an
  /// errc::io error none of them may be acknowledged.
  virtual result<void> sync() = 0;

  // Reads: `through` (may be null) adds a pending batch of this store on top
  // of the committed state. A failure throws engine_error (storage_error.hpp:
  // reads let the storage actor crash).
  //
  // Data and meta records are rewritten in place (rocks_store: a memtable
  // update instead of a new version; docs/design.md "Records rewritten in
  // place"), which RocksDB allows only with its snapshots off for the whole
  // database, so an iterator over them does not hold still. A scan of the log
  // sees one state, as of its start (one RocksDB iterator); a reader that
  // needs data or meta consistent across reads takes a read_view (below),
  // as a shard's export does (engine::export_shard).

  /// The value at `key` in `f`, or nullopt.
  virtual std::optional<std::string> get(family f, std::string_view key,
                                         const batch* through) const = 0;

  /// Calls `visit(key, value)` for every key of `f` in [lo, hi), in key
  /// order (bytewise), until `visit` returns false.
  virtual void scan(family f, std::string_view lo, std::string_view hi, const batch* through,
                    const visitor& visit) const = 0;

  /// The largest key of `f` in [lo, hi), or nullopt if the range is empty.
  /// The log family only: RocksDB cannot iterate backwards over records it
  /// updates in place (see the reads above).
  virtual std::optional<std::string> last_key(family f, std::string_view lo, std::string_view hi,
                                              const batch* through) const = 0;

  /// A read-only copy of the whole committed state as it is now, which later
  /// commits leave as it is: what lets a long reader (a shard's export) see
  /// one state without holding the writers still. rocks_store: a checkpoint
  /// (a memtable flush and hard links); memory_store: the tables, shared
  /// until the next commit copies them. Throws engine_error on the store's
  /// failure (storage_error.hpp).
  virtual std::shared_ptr<const kv_store> read_view() const = 0;
};

/// last_key's contract, checked by both stores so that the memory store
/// cannot hide a caller that breaks it.
inline void check_backward_read(family f) {
  KEEL_ASSERT(f == family::log, "a backward read of data or meta: they change in place");
}

} // namespace keel::storage
