#include "actors/storage/core/kv_state_machine.hpp"

#include <algorithm>
#include <string>
#include <string_view>

#include "actors/base/core/fnv1a.hpp"

namespace keel::storage {

namespace {

kv::Response with_status(kv::Status status, std::string error = {}) {
  kv::Response response;
  response.set_status(status);
  response.set_error(std::move(error));
  return response;
}

kv::Response stale(uint64_t seq, uint64_t last_seq) {
  return with_status(kv::STATUS_STALE_REQUEST, "seq " + std::to_string(seq)
                                                 + " is older than the last applied seq "
                                                 + std::to_string(last_seq)
                                                 + " of this client; its answer is no longer kept");
}

kv::Response expired(const command::Command& cmd, uint64_t last_seq) {
  return with_status(kv::STATUS_SESSION_EXPIRED,
                     "the session of client " + std::to_string(cmd.client_id()) + " expired; seq "
                       + std::to_string(cmd.seq()) + " is not newer than its last applied seq "
                       + std::to_string(last_seq)
                       + ", so it was not applied now; start a new session");
}

kv::Response reused(const command::Command& cmd) {
  return with_status(kv::STATUS_INVALID_ARGUMENT, "seq " + std::to_string(cmd.seq()) + " of client "
                                                    + std::to_string(cmd.client_id())
                                                    + " was already used for another command");
}

} // namespace

// FNV-1a over a canonical encoding of the operation: protobuf serialization is
// not guaranteed to be the same across library versions, and replicas of one
// shard may run different builds during an upgrade.
uint64_t command_digest(const command::Command& cmd) {
  fnv1a h;
  switch (cmd.op_case()) {
    case command::Command::kPut:
      h.byte('P');
      h.bytes(cmd.put().key());
      h.bytes(cmd.put().value());
      break;
    case command::Command::kDel:
      h.byte('D');
      h.bytes(cmd.del().key());
      break;
    case command::Command::kCas:
      h.byte('C');
      h.bytes(cmd.cas().key());
      h.byte(cmd.cas().expect_absent() ? 1 : 0);
      h.bytes(cmd.cas().expected());
      h.bytes(cmd.cas().value());
      break;
    case command::Command::OP_NOT_SET: h.byte('0'); break;
  }
  return h.value() == 0 ? 1 : h.value();
}

kv_state_machine::kv_state_machine(const engine& db, uint32_t shard, session_limits lim)
  : db_(&db),
    shard_(shard),
    lim_(lim) {
  KEEL_ASSERT(shard < db.shards(), "kv_state_machine of a shard this node does not have");
  KEEL_ASSERT(lim.max_sessions > 0, "kv_state_machine: max_sessions must be at least 1");
  applied_ = db.applied(shard);
  for (const auto& entry : db.sessions(shard))
    sessions_.put(entry.client_id(), session_summary::of(entry.session()));
}

void kv_state_machine::reset(const ShardSnapshot& snapshot) {
  applied_.set_applied_index(snapshot.applied_index());
  applied_.set_applied_term(snapshot.applied_term());
  applied_.set_log_time_ms(snapshot.log_time_ms());
  sessions_.clear();
  for (const auto& entry : snapshot.sessions())
    sessions_.put(entry.client_id(), session_summary::of(entry.session()));
}

std::vector<kv::Response> kv_state_machine::apply(const command::CommandBatch& commands,
                                                  uint64_t index, uint64_t term,
                                                  write_batch& batch) {
  KEEL_ASSERT(index > applied_.applied_index(), "apply of an index already applied");
  // A new leader whose clock is behind its predecessor's must not move time
  // back: sessions would live longer on replicas that saw the later stamp.
  auto now = std::max(applied_.log_time_ms(), commands.leader_time_ms());
  expire(now, batch);
  std::vector<kv::Response> responses;
  responses.reserve(static_cast<size_t>(commands.commands_size()));
  for (const auto& cmd : commands.commands())
    responses.push_back(apply_command(cmd, index, now, batch));
  set_applied(index, term, now, batch);
  return responses;
}

void kv_state_machine::apply_noop(uint64_t index, uint64_t term, write_batch& batch) {
  KEEL_ASSERT(index > applied_.applied_index(), "apply of an index already applied");
  set_applied(index, term, applied_.log_time_ms(), batch);
}

void kv_state_machine::set_applied(uint64_t index, uint64_t term, uint64_t now,
                                   write_batch& batch) {
  applied_.set_applied_index(index);
  applied_.set_applied_term(term);
  applied_.set_log_time_ms(now);
  batch.set_applied(shard_, applied_);
}

void kv_state_machine::set_session(uint64_t client_id, const ClientSession& record,
                                   write_batch& batch) {
  batch.set_session(shard_, client_id, record);
  sessions_.put(client_id, session_summary::of(record));
}

kv::Response kv_state_machine::apply_command(const command::Command& cmd, uint64_t index,
                                             uint64_t now, write_batch& batch) {
  if (cmd.client_id() == 0) {
    auto response = apply_one(cmd, batch);
    response.set_index(index);
    return response;
  }
  // Thesis §6.3: the session decides before the command may touch the data.
  auto digest = command_digest(cmd);
  if (const auto* known = sessions_.find(cmd.client_id()); known && !known->expired) {
    if (cmd.seq() < known->last_seq)
      return stale(cmd.seq(), known->last_seq);
    if (cmd.seq() == known->last_seq && !db_->unsafe().apply_retries_twice) {
      if (known->digest != 0 && known->digest != digest)
        return reused(cmd);
      // The one case that needs the record: the answer to repeat.
      auto record = batch.session(shard_, cmd.client_id());
      if (!record)
        throw engine_error({errc::corrupt, "shard " + std::to_string(shard_)
                                             + " lost the session record of client "
                                             + std::to_string(cmd.client_id())});
      record->set_last_used_ms(now); // a retrying client is not idle
      set_session(cmd.client_id(), *record, batch);
      return record->last_response();
    }
  } else if (known && cmd.seq() <= known->last_seq) {
    return expired(cmd, known->last_seq);
  }
  if (!sessions_.contains(cmd.client_id()))
    make_room(batch);
  auto response = apply_one(cmd, batch);
  response.set_index(index);
  ClientSession updated;
  updated.set_last_seq(cmd.seq());
  *updated.mutable_last_response() = response;
  updated.set_last_used_ms(now);
  updated.set_digest(digest);
  set_session(cmd.client_id(), updated, batch);
  return response;
}

void kv_state_machine::expire(uint64_t now, write_batch& batch) {
  auto idle_longer_than = [now](uint64_t last_used, uint64_t limit) {
    return now > last_used && now - last_used > limit;
  };
  while (auto oldest = sessions_.oldest_live()) {
    if (!idle_longer_than(oldest->session.last_used_ms, lim_.session_timeout_ms))
      break;
    ClientSession tombstone;
    tombstone.set_last_seq(oldest->session.last_seq);
    tombstone.set_last_used_ms(oldest->session.last_used_ms);
    tombstone.set_expired(true);
    set_session(oldest->client_id, tombstone, batch);
  }
  while (auto oldest = sessions_.oldest_expired()) {
    if (!idle_longer_than(oldest->session.last_used_ms, 2 * lim_.session_timeout_ms))
      break;
    batch.del_session(shard_, oldest->client_id);
    sessions_.erase(oldest->client_id);
  }
}

void kv_state_machine::make_room(write_batch& batch) {
  while (sessions_.size() >= lim_.max_sessions) {
    auto victim = sessions_.oldest_expired();
    if (!victim)
      victim = sessions_.oldest_live();
    batch.del_session(shard_, victim->client_id);
    sessions_.erase(victim->client_id);
  }
}

kv::Response kv_state_machine::apply_one(const command::Command& cmd, write_batch& batch) const {
  switch (cmd.op_case()) {
    case command::Command::kPut:
      batch.put(shard_, cmd.put().key(), cmd.put().value());
      return with_status(kv::STATUS_OK);
    case command::Command::kDel:
      if (!batch.get(shard_, cmd.del().key()))
        return with_status(kv::STATUS_NOT_FOUND, "key not found");
      batch.del(shard_, cmd.del().key());
      return with_status(kv::STATUS_OK);
    case command::Command::kCas: {
      const auto& cas = cmd.cas();
      auto current = batch.get(shard_, cas.key());
      bool matches = cas.expect_absent() ? !current : current && *current == cas.expected();
      if (matches) {
        batch.put(shard_, cas.key(), cas.value());
        return with_status(kv::STATUS_OK);
      }
      if (!current)
        return with_status(kv::STATUS_NOT_FOUND, "key not found");
      auto response
        = with_status(kv::STATUS_CAS_MISMATCH,
                      cas.expect_absent() ? "key exists" : "current value differs from expected");
      response.set_value(*current);
      response.set_has_value(true);
      return response;
    }
    case command::Command::OP_NOT_SET: break;
  }
  // Validation keeps such commands out of the log; if one arrives anyway,
  // every replica answers it the same way.
  return with_status(kv::STATUS_INVALID_ARGUMENT, "command has no operation");
}

kv::Response kv_state_machine::read(const kv::Get& get) const {
  auto value = db_->get(shard_, get.key());
  if (!value)
    return with_status(kv::STATUS_NOT_FOUND, "key not found");
  auto response = with_status(kv::STATUS_OK);
  response.set_value(std::move(*value));
  response.set_has_value(true);
  return response;
}

} // namespace keel::storage
