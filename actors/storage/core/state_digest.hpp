// state_digest: one shard replica's replicated state (what a snapshot holds:
// data, client sessions, applied index, term and log time) reduced to 64
// bits, so that a convergence check compares replicas without moving their
// data. Two replicas of a shard at the same applied index must have equal
// digests; unequal ones mean they diverged. Pure.
#pragma once

#include <cstdint>
#include <string>

#include "messages/storage.pb.h"

namespace keel::storage {

/// FNV-1a 64 over a canonical encoding of `snapshot` (its fields in a fixed
/// order, every string length-prefixed). The shard number is left out: it
/// names the state, it is not part of it.
uint64_t state_digest(const ShardSnapshot& snapshot);

/// `digest` as 16 lowercase hex digits.
std::string digest_hex(uint64_t digest);

} // namespace keel::storage
