#include "actors/storage/engine/rocks_options.hpp"

#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>

#include "actors/storage/core/key_layout.hpp"

namespace keel::storage {

rocksdb::DBOptions rocks_db_options(bool fresh) {
  rocksdb::DBOptions options;
  options.create_if_missing = fresh;
  options.create_missing_column_families = fresh;
  options.error_if_exists = fresh;
  options.paranoid_checks = true;
  // A record torn by a crash mid-write was never acknowledged (acknowledged
  // writes are fsynced first), so dropping it is safe; any other damage
  // refuses to open. wal_check.hpp covers what RocksDB takes for a torn tail.
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  options.db_write_buffer_size = 64 << 20; // memtables of all families together
  options.max_background_jobs = 2;         // the machines have 2 cores
  options.keep_log_file_num = 4;           // RocksDB's own LOG files
  // In-place updates (rocks_families() below) need writes into a memtable one at a
  // time, which is how Keel writes anyway: its storage actors share one
  // scheduler thread.
  options.allow_concurrent_memtable_write = false;
  // A memtable updated in place hardly grows, so it would keep the oldest log
  // file alive until RocksDB's default cap (four times every family's write
  // buffers, 512 MiB); past this size it flushes what holds that file.
  options.max_total_wal_size = 64 << 20;
  return options;
}

namespace {

/// Buckets of a data or meta memtable: about one per record that a full
/// 16 MiB memtable of small records holds.
constexpr size_t memtable_buckets = 100'000;

} // namespace

std::vector<rocksdb::ColumnFamilyDescriptor> rocks_families() {
  rocksdb::ColumnFamilyOptions options;
  options.write_buffer_size = 16 << 20;
  // A log entry inserted into the skip list would search it from its top;
  // with a hint kept per shard (the key's first bytes) it starts where that
  // shard's previous entry went, right before it in the list (section 26 of
  // docs/benchmarks.md: the search was 12 - 16 % of the nodes' CPU).
  auto log = options;
  log.memtable_insert_with_hint_prefix_extractor.reset(
    rocksdb::NewFixedPrefixTransform(key_layout::log_hint_prefix_bytes));
  auto by_key = options;
  // Data and meta records are rewritten by nearly every write (its key, its
  // client's session, the applied index). In place, a put no longer adds a
  // version to the skip list when the key's newest one in the memtable is a
  // value at least as long: the memtable keeps about one node per live key
  // instead of one per write (docs/design.md "Records rewritten in place";
  // 22 % of the nodes' CPU per write at 64 clients, 9 % at 16: section 27
  // of docs/benchmarks.md).
  // What it costs: RocksDB then has no snapshots (a read view is a
  // checkpoint instead, rocks_store::read_view) and cannot iterate these
  // families backwards (kv_store.hpp has no backward read of them), and a range deletion could
  // hide a later in-place put (Keel writes none). The locks guard readers on
  // other threads; a few hundred stripes are plenty for one writer thread.
  by_key.inplace_update_support = true;
  by_key.inplace_update_num_locks = 256;
  // An in-place update first finds the key's newest version, and a skip list
  // finds it from its top: that search was 10 - 16 % of the nodes' samples
  // (section 27). These families are written and read by whole key, so their
  // memtables hash the whole key (the "prefix" is the key) to a bucket of
  // about one node: the search is a hash and a compare. What it costs: an
  // ordered scan of a memtable sorts a copy of it first (the iterators ask for
  // total order, rocks_store.cpp). Keel scans these families only to export,
  // digest or replace a whole shard and to load sessions at start, and a
  // flush sorts in the background; where memtables fill with new keys the
  // flushes' sorts came to 8 % of a node's CPU (section 28: throughput even,
  // the slowest write slower); a shard's export reads a checkpoint, whose
  // memtables were flushed first (rocks_store::read_view).
  // The buckets (8 bytes each) come out of each memtable's 16 MiB.
  by_key.prefix_extractor.reset(rocksdb::NewNoopTransform());
  by_key.memtable_factory.reset(rocksdb::NewHashLinkListRepFactory(
    memtable_buckets, /*huge_page_tlb_size=*/0, /*bucket_entries_logging_threshold=*/0,
    /*if_log_bucket_dist_when_flash=*/false));
  return {{key_layout::identity_family, options},
          {key_layout::data_family, by_key},
          {key_layout::log_family, log},
          {key_layout::meta_family, by_key}};
}

} // namespace keel::storage
