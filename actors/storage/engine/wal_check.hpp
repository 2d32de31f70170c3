// wal_check: verifies a RocksDB write-ahead log file record by record before the
// engine opens the database, so that a damaged log is refused with its file
// name and byte offset (RocksDB's own recovery errors name neither).
//
// Why it exists: the engine opens RocksDB with kTolerateCorruptedTailRecords so
// that a record torn by a crash in the middle of a write (never acknowledged:
// every acknowledged write was fsynced first) is dropped, as Raft allows. But
// RocksDB takes ANY record whose length runs past the end of the file for such
// a torn tail, so a log overwritten with garbage could be read as "empty" and
// the node would silently start without its data. This check accepts a
// truncated final record only if its header is plausible (a known record type,
// a length that fits its 32 KiB block) and verifies the checksum of every
// complete record. Called by engine::open only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/storage/core/storage_error.hpp"

namespace keel::storage {

/// CRC-32C (Castagnoli) of `bytes`, extending `crc` (RocksDB's crc32c::Extend).
uint32_t crc32c_extend(uint32_t crc, std::string_view bytes);

/// Checks one write-ahead log file (RocksDB/LevelDB log format: 32 KiB blocks
/// of records, each `masked crc32c(4) | length(2) | type(1) | payload`).
/// Success if the file is intact or ends in a plausibly torn record;
/// otherwise errc::corrupt (errc::io if it cannot be read) with a message that
/// names the file, the byte offset and what is wrong.
result<void> check_wal_file(const std::string& path);

} // namespace keel::storage
