// kv_state_machine: the deterministic apply logic of one shard. Every replica
// applies the same committed commands in the same order and so reaches the same
// data, sessions and responses (Raft §5.3, state machine safety). A client's
// retried write is answered from its session instead of being applied twice
// (Raft thesis §6.3). Owned by the shard's storage actor; pure (no CAF, no clock).
//
// What a command's fate depends on besides the data (the applied index and
// log time, each session's last seq and digest) is kept in memory and written
// through to the batch, so the hot path reads the store only for the keys a
// Delete or a Cas tests and for the answer a retry repeats. The memory mirrors
// the committed records exactly: a state machine rebuilt from them decides
// every later command the same way.
//
// Client sessions (thesis §6.3):
// - A session is per shard and client. It opens with the client's first
//   command on the shard that has no session there: a client numbers its
//   writes across all shards, so a shard sees only some of its seqs and
//   cannot wait for seq 1.
// - Time is the shard's log time: the largest CommandBatch.leader_time_ms
//   applied so far (a leader whose clock runs behind cannot move it back). No
//   replica reads its own clock, so all expire the same sessions at the same
//   index.
// - A session idle for more than the session timeout expires: its cached
//   response is dropped and it becomes a tombstone that keeps the last seq,
//   so that a retry of that seq (or an older one) is refused with
//   SESSION_EXPIRED instead of being applied a second time. A newer seq opens
//   a new session. A tombstone idle for twice the timeout is deleted; after
//   that (and after an eviction) the shard cannot tell a retry from a new
//   write, which is safe as long as a client gives up on an operation well
//   within the session timeout (its deadline is seconds, the timeout minutes).
// - At most max_sessions records (live and tombstones) per shard: opening one
//   more deletes the oldest tombstone, or else the least recently used live
//   session.
// - Each session keeps a digest of the command it applied as last_seq: the
//   same seq with another command is refused (INVALID_ARGUMENT), never
//   answered with the other command's response.
#pragma once

#include <cstdint>
#include <vector>

#include "actors/storage/core/client_request.hpp"
#include "actors/storage/core/engine.hpp"
#include "actors/storage/core/session_index.hpp"
#include "messages/command.pb.h"
#include "messages/kv.pb.h"

namespace keel::storage {

/// Bounds of the session table of one shard.
struct session_limits {
  uint32_t max_sessions = 100'000;       // records per shard, tombstones included
  uint64_t session_timeout_ms = 600'000; // log time a session may stay idle
};

/// A digest of a command's operation (not its session), the same on every
/// replica and every build; never 0 (0 marks a record written without one).
uint64_t command_digest(const command::Command& cmd);

/// The key-value state machine of one shard over the node's engine.
class kv_state_machine {
public:
  /// Reads the shard's applied state and session records.
  /// REQUIRES: shard < db.shards(); db outlives this object;
  /// lim.max_sessions > 0.
  kv_state_machine(const engine& db, uint32_t shard, session_limits lim = {});

  uint32_t shard() const { return shard_; }

  /// Applies the commands of the log entry at (index, term) into `batch`, in
  /// order, and records (index, term) and the log time as applied in the same
  /// batch. Answers one Response per command:
  /// - Put: OK. Delete: OK, or NOT_FOUND (nothing changes) if the key is absent.
  /// - Cas: OK if the key holds `expected` (or is absent, with expect_absent);
  ///   otherwise nothing changes and the answer is CAS_MISMATCH with the
  ///   current value (has_value), or NOT_FOUND if the key is absent.
  /// - client_id != 0 (see the session rules above): seq == the session's
  ///   last_seq: the cached response if the command is the same, else
  ///   INVALID_ARGUMENT; seq < last_seq: STALE_REQUEST; seq <= the last_seq of
  ///   an expired session: SESSION_EXPIRED. None of these applies anything.
  ///   Otherwise the command applies and its response becomes the session's.
  /// Every write response carries `index`. Nothing is durable until the
  /// caller commits the batch; a batch that is not committed leaves this
  /// object ahead of the engine, so the caller must then discard it.
  /// REQUIRES: index > the applied index (KEEL_ASSERT).
  std::vector<kv::Response> apply(const command::CommandBatch& commands, uint64_t index,
                                  uint64_t term, write_batch& batch);

  /// Records a no-op entry (Raft §8: a new leader's first entry) as applied:
  /// the applied index and term move, nothing else does.
  /// REQUIRES: index > the applied index (KEEL_ASSERT).
  void apply_noop(uint64_t index, uint64_t term, write_batch& batch);

  /// How far the shard has applied the log, as staged so far.
  const AppliedState& applied() const { return applied_; }

  /// Takes the applied state and sessions of a snapshot that replace_shard
  /// staged.
  void reset(const ShardSnapshot& snapshot);

  /// Answers a read from the committed data: OK with the value, or NOT_FOUND.
  kv::Response read(const kv::Get& get) const;

  /// The number of session records (live and expired) as staged so far.
  size_t session_count() const { return sessions_.size(); }

private:
  kv::Response apply_command(const command::Command& cmd, uint64_t index, uint64_t now,
                             write_batch& batch);
  kv::Response apply_one(const command::Command& cmd, write_batch& batch) const;
  void expire(uint64_t now, write_batch& batch);
  void make_room(write_batch& batch);

  void set_session(uint64_t client_id, const ClientSession& record, write_batch& batch);
  void set_applied(uint64_t index, uint64_t term, uint64_t now, write_batch& batch);

  const engine* db_;
  uint32_t shard_;
  session_limits lim_;
  AppliedState applied_;
  session_index sessions_;
};

} // namespace keel::storage
