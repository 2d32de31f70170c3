#include "actors/storage/engine/engine.hpp"

#include <filesystem>
#include <memory>
#include <vector>

#include <rocksdb/db.h>

#include "actors/storage/engine/data_dir.hpp"
#include "actors/storage/engine/rocks_options.hpp"
#include "actors/storage/engine/rocks_store.hpp"

namespace keel::storage {

result<std::shared_ptr<kv_store>> open_rocks_store(const std::string& dir,
                                                   const unsafe_switches& unsafe) {
  auto classified = data_dir::classify(dir);
  if (!classified)
    return std::move(classified).error();
  auto kind = *classified;
  // Read views are dropped by the reads that took them: any left are a
  // crash's, and nothing reads them.
  std::error_code ignored;
  std::filesystem::remove_all(rocks_store::views_dir(dir), ignored);
  if (kind == data_dir::kind::existing)
    if (auto checked = data_dir::check_write_ahead_logs(dir); !checked)
      return checked.error();
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  auto status = rocksdb::DB::Open(rocks_db_options(kind == data_dir::kind::fresh), dir,
                                  rocks_families(), &handles, &db);
  if (!status.ok())
    return data_dir::explain_open_failure(dir, status.IsCorruption() ? errc::corrupt : errc::io,
                                          status.ToString());
  auto store = std::make_shared<rocks_store>(db, std::move(handles), dir);
  if (unsafe.skip_fsync)
    store->bypass_write_ahead_log();
  return std::shared_ptr<kv_store>{std::move(store)};
}

engine::open_result open_rocks_engine(const std::string& dir, const std::string& node_id,
                                      uint32_t shards, const unsafe_switches& unsafe) {
  if (shards == 0)
    return storage_error{errc::invalid,
                         "cannot open data directory " + dir + ": shards must be at least 1"};
  auto store = open_rocks_store(dir, unsafe);
  if (!store)
    return std::move(store).error();
  auto opened = engine::open(std::move(store).value(), node_id, shards);
  if (opened)
    (*opened)->allow_unsafe(unsafe);
  return opened;
}

} // namespace keel::storage
