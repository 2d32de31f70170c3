// memory_store: a kv_store in memory, for tests and deterministic simulations,
// so that the engine, the state machine and the storage actor run without a
// disk. Iteration is in bytewise key order, like RocksDB's, and nothing in it
// depends on addresses or hashing, so runs are reproducible.
//
// It models what a crash of the machine does to a store: crash() keeps every
// synced commit and loses the unsynced ones after the last synced commit
// (optionally keeping a prefix of them, as a write-ahead log replayed up to a
// torn record does). A synced commit makes every earlier commit durable too,
// as one fsync of RocksDB's write-ahead log does. The store outlives the
// engines opened on it: drop the engine, crash() the store, open a new engine
// on it, as a node restarting on its disk would.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/storage/core/kv_store.hpp"

namespace keel::storage {

class memory_store final : public kv_store {
public:
  explicit memory_store(std::string name = "memory");

  const std::string& name() const override { return name_; }
  std::unique_ptr<batch> make_batch() const override;
  result<void> commit(batch& pending, bool sync) override;
  result<void> sync() override;
  std::optional<std::string> get(family f, std::string_view key,
                                 const batch* through) const override;
  void scan(family f, std::string_view lo, std::string_view hi, const batch* through,
            const visitor& visit) const override;
  std::optional<std::string> last_key(family f, std::string_view lo, std::string_view hi,
                                      const batch* through) const override;
  std::shared_ptr<const kv_store> read_view() const override;

  /// What survives a crash of the machine: the committed state becomes the
  /// durable one plus the first `keep_unsynced` unsynced commits after it
  /// (all of them if there are fewer). Engines open on the store must be
  /// dropped first: they cache what the store no longer holds.
  void crash(size_t keep_unsynced = 0);

  /// The machine stops at this instant: every commit or sync from now on
  /// fails and changes nothing, until crash() decides what the disk kept.
  /// For a node whose actors are still draining their mailboxes when the
  /// power goes (a simulation cutting it between two messages).
  void power_off();

  /// The number of commits since the last synced one (what crash() may lose).
  size_t unsynced_commits() const;

  /// TEST ONLY, a planted bug: from now on a sync returns before its commits
  /// are durable, and makes durable only what the sync before it covered (a
  /// disk cache without power-loss protection, or a log syncer that answers
  /// before its fsync). A crash then loses commits a sync had reported
  /// durable; the simulations must see it (NodeSim.CatchesSyncsThatLie).
  void make_syncs_lie();

  /// Makes the next commit or sync fail with `error` and change nothing (an
  /// I/O error of the disk).
  void fail_next_commit(std::string error);

  using table = std::map<std::string, std::string, std::less<>>;
  using tables = std::array<table, family_count>;
  /// One family's writes of a batch; nullopt deletes.
  using writes
    = std::array<std::map<std::string, std::optional<std::string>, std::less<>>, family_count>;

private:
  static void apply(const writes& w, tables& t);
  void sync_locked();                           // mu_ held
  std::optional<storage_error> refuse_change(); // mu_ held: power off or a planted failure

  std::string name_;
  mutable std::mutex mu_;
  std::shared_ptr<tables> current_; // shared with scans in progress: copied before a write then
  tables durable_;                  // as of the last synced commit
  std::vector<writes> unsynced_;    // commits after it, in order
  std::optional<std::string> fail_next_;
  bool powered_off_ = false;
  bool syncs_lie_ = false;
  size_t covered_by_last_sync_ = 0; // of unsynced_, for lying syncs
};

} // namespace keel::storage
