// kv_state_machine: the deterministic apply logic of one shard. Every replica
// applies the same committed commands in the same order and so reaches the same
// data, sessions and responses (Raft §5.3, state machine safety). A client's
// retried write is answered from its session instead of being applied twice
// (Raft thesis §6.3). Owned by the shard's storage actor; pure (no CAF, no clock).
#pragma once

#include <cstdint>
#include <vector>

#include "actors/storage/core/client_request.hpp"
#include "actors/storage/engine/engine.hpp"
#include "messages/command.pb.h"
#include "messages/kv.pb.h"

namespace keel::storage {

/// The key-value state machine of one shard over the node's engine.
class kv_state_machine {
public:
  /// REQUIRES: shard < db.shards(); db outlives this object.
  kv_state_machine(const engine& db, uint32_t shard);

  uint32_t shard() const { return shard_; }

  /// Applies the commands of the log entry at (index, term) into `batch`, in
  /// order, and records (index, term) as applied in the same batch. Answers
  /// one Response per command:
  /// - Put: OK. Delete: OK, or NOT_FOUND (nothing changes) if the key is absent.
  /// - Cas: OK if the key holds `expected` (or is absent, with expect_absent);
  ///   otherwise nothing changes and the answer is CAS_MISMATCH with the
  ///   current value (has_value), or NOT_FOUND if the key is absent.
  /// - client_id != 0 and seq == the session's last_seq: the cached response,
  ///   without applying; seq < last_seq: STALE_REQUEST, without applying.
  ///   Otherwise the command applies and its response becomes the session's.
  /// Every write response carries `index`. Nothing is durable until the
  /// caller commits the batch.
  /// REQUIRES: index > the applied index (throws std::invalid_argument).
  std::vector<kv::Response> apply(const command::CommandBatch& commands, uint64_t index,
                                  uint64_t term, write_batch& batch) const;

  /// Answers a read from the committed data: OK with the value, or NOT_FOUND.
  kv::Response read(const kv::Get& get) const;

private:
  kv::Response apply_one(const command::Command& cmd, write_batch& batch) const;

  const engine* db_;
  uint32_t shard_;
};

} // namespace keel::storage
