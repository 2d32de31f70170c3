// rocks_options: how Keel configures RocksDB, in one place: the database
// options and one column family per storage family. The node's store and the
// read-only views of it (rocks_store::read_view) open with the same ones.
#pragma once

#include <vector>

#include <rocksdb/db.h> // ColumnFamilyDescriptor
#include <rocksdb/options.h>

namespace keel::storage {

/// The database options; `fresh` creates the database and its families.
rocksdb::DBOptions rocks_db_options(bool fresh);

/// One column family per storage family, in the order of enum class family.
std::vector<rocksdb::ColumnFamilyDescriptor> rocks_families();

} // namespace keel::storage
