// data_dir: what engine::open checks about a data directory before and after
// handing it to RocksDB, so that a damaged or foreign directory is refused with
// a message naming the file at fault, and never mistaken for a fresh start.
// Used by engine.cpp only.
#pragma once

#include <string>

#include "actors/storage/core/storage_error.hpp"

namespace keel::storage::data_dir {

/// What a data directory holds.
enum class kind {
  fresh,    // absent (now created) or empty: create a new database
  existing, // a RocksDB database (it has a CURRENT file)
};

/// Classifies `dir`, creating it if absent. An error naming the directory and
/// what was found if it is not a directory or cannot be read or created
/// (errc::io), or holds files but no RocksDB CURRENT file (errc::foreign).
result<kind> classify(const std::string& dir);

/// Checks every write-ahead log file (*.log) of an existing database; the
/// error of the first damaged one names it.
result<void> check_write_ahead_logs(const std::string& dir);

/// Turns RocksDB's failure to open `dir` (`code` and its message) into an
/// error that names the damaged file: a table file (*.sst) that fails its
/// checksum if there is one (errc::corrupt; RocksDB may blame the MANIFEST for
/// it), else RocksDB's own message, with the directory and a listing of its
/// files added when that message names no file.
storage_error explain_open_failure(const std::string& dir, errc code,
                                   const std::string& rocksdb_error);

} // namespace keel::storage::data_dir
