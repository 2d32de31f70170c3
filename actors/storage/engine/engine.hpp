// The storage engine of a node on disk: the engine (actors/storage/core) over a
// rocks_store in a checked data directory. The only way keel-node opens its
// storage; tests and simulations use a memory_store instead.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "actors/base/core/unsafe_switches.hpp"
#include "actors/storage/core/engine.hpp"

namespace keel::storage {

/// Opens (or creates, if absent or empty) the RocksDB store in `dir`, or says
/// why not, naming the damaged file of a corrupt directory. The engine
/// (open_rocks_engine) is the only user outside tests. `unsafe.skip_fsync`
/// (TEST ONLY) makes its commits bypass the write-ahead log.
result<std::shared_ptr<kv_store>> open_rocks_store(const std::string& dir,
                                                   const unsafe_switches& unsafe = {});

/// Opens the data directory `dir` of node `node_id` split into `shards`
/// shards, creating it (and the node identity record) if it is absent or
/// empty. An error, never a fresh empty database, when the directory is
/// corrupt (errc::corrupt; the detail names the damaged file), has files but
/// no RocksDB CURRENT file ("not a keel data directory", errc::foreign), or
/// belongs to another node or another shard count (engine::open).
/// `unsafe` is TEST ONLY (unsafe_switches.hpp): skip_fsync makes the store
/// bypass its write-ahead log; the engine keeps the rest (engine::unsafe()).
engine::open_result open_rocks_engine(const std::string& dir, const std::string& node_id,
                                      uint32_t shards, const unsafe_switches& unsafe = {});

} // namespace keel::storage
