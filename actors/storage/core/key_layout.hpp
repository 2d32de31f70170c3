// key_layout: how the storage engine names every record it keeps in its
// kv_store (RocksDB on a node, memory in tests and simulations).
//
// One store per node holds every shard. Families (RocksDB column families)
// keep apart records that are written and read differently; inside each family
// a 4-byte big-endian shard number prefixes every key, so one shard's records
// form one contiguous, ordered key range. Used by the engine (engine.cpp,
// write_batch.cpp, store_records.cpp) and by rocks_options for the family names;
// nothing above the storage engine needs it.
//
//   family    key                                  value
//   default   "identity"                           keel.storage.NodeIdentity
//   default   "peer/" | node id                    keel.storage.PeerIncarnation
//   data      shard(4) | user key                  the value (raw bytes)
//   log       shard(4) | index(8)                  keel.raft.Entry
//   meta      shard(4) | 'A'                       keel.storage.AppliedState
//   meta      shard(4) | 'H'                       keel.raft.HardState
//   meta      shard(4) | 'L'                       keel.storage.LogState
//   meta      shard(4) | 'S' | client_id(8)        keel.storage.ClientSession
//
// All integers are big-endian so that byte order equals numeric order: log
// entries iterate by index, and a shard's keys iterate sorted.
// Why families: the log is append-at-the-tail, delete-at-the-head (a queue whose
// tombstones should not slow down data scans), while data is random access.
// A batch spanning families is still atomic (in RocksDB all families share
// one write-ahead log): data + applied index + session in one batch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace keel::storage::key_layout {

/// Names of the families (RocksDB column families), in the order of enum
/// class family (kv_store.hpp).
inline constexpr const char* identity_family = "default";
inline constexpr const char* data_family = "data";
inline constexpr const char* log_family = "log";
inline constexpr const char* meta_family = "meta";

/// The key of the node identity record in the default family.
inline constexpr std::string_view identity_key = "identity";

/// default family: the incarnation this node believed of peer `node_id`.
std::string peer_incarnation_key(std::string_view node_id);

/// The first key of the peer incarnation records, and the first key after them.
inline constexpr std::string_view peer_incarnation_prefix = "peer/";
inline constexpr std::string_view peer_incarnation_end = "peer0"; // '0' follows '/'

/// Version of this layout, stored in NodeIdentity.format and checked at open.
inline constexpr uint32_t format_version = 1;

/// shard(4): the prefix of every record of `shard` in every family but default.
std::string shard_prefix(uint32_t shard);

/// The first key after every key of `shard` (the prefix of shard + 1, or
/// a key of 0xff bytes after the last shard): an exclusive iteration bound.
std::string shard_end(uint32_t shard);

/// data family: shard(4) | user key.
std::string data_key(uint32_t shard, std::string_view user_key);

/// The user key of a data-family key. REQUIRES: key came from data_key().
std::string_view user_key_of(std::string_view data_key);

/// log family: shard(4) | index(8).
std::string log_key(uint32_t shard, uint64_t index);

/// The index of a log-family key. REQUIRES: key came from log_key().
uint64_t index_of(std::string_view log_key);

/// meta family records of one shard.
std::string applied_key(uint32_t shard);
std::string hard_state_key(uint32_t shard);
std::string log_state_key(uint32_t shard);
std::string session_key(uint32_t shard, uint64_t client_id);

/// shard(4) | 'S': the prefix of every session record of `shard`.
std::string session_prefix(uint32_t shard);

/// The first key after every session record of `shard`.
std::string session_end(uint32_t shard);

/// The client id of a session key. REQUIRES: key came from session_key().
uint64_t client_id_of(std::string_view session_key);

/// log family: the leading bytes that name the run a shard's next entry
/// continues (its shard; entries arrive in index order). RocksDB keeps one
/// memtable insert hint per such prefix (rocks_options.cpp).
inline constexpr size_t log_hint_prefix_bytes = 4;

} // namespace keel::storage::key_layout
