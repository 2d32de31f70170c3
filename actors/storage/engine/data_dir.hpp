// data_dir: what engine::open checks about a data directory before and after
// handing it to RocksDB, so that a damaged or foreign directory is refused with
// a message naming the file at fault, and never mistaken for a fresh start.
// Used by engine.cpp only.
#pragma once

#include <optional>
#include <string>
#include <variant>

namespace keel::storage::data_dir {

/// What a data directory holds.
enum class kind {
  fresh,    // absent (now created) or empty: create a new database
  existing, // a RocksDB database (it has a CURRENT file)
};

/// Classifies `dir`, creating it if absent. An error (as a message naming the
/// directory and what was found) if it is not a directory, cannot be read or
/// created, or holds files but no RocksDB CURRENT file.
std::variant<kind, std::string> classify(const std::string& dir);

/// Checks every write-ahead log file (*.log) of an existing database; the
/// first damaged one is returned as a message naming it.
std::optional<std::string> check_write_ahead_logs(const std::string& dir);

/// Turns RocksDB's failure to open `dir` into a message that names the
/// damaged file: a table file (*.sst) that fails its checksum if there is one
/// (RocksDB may blame the MANIFEST for it), else RocksDB's own message, with
/// the directory and a listing of its files added when that message names no
/// file.
std::string explain_open_failure(const std::string& dir, const std::string& rocksdb_error);

} // namespace keel::storage::data_dir
