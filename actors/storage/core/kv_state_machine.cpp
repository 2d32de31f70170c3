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
  for (const auto& entry : db.sessions(shard))
    sessions_.put(entry.client_id(), entry.session().last_used_ms(), entry.session().expired());
}

void kv_state_machine::reset_sessions(const ShardSnapshot& snapshot) {
  sessions_.clear();
  for (const auto& entry : snapshot.sessions())
    sessions_.put(entry.client_id(), entry.session().last_used_ms(), entry.session().expired());
}

std::vector<kv::Response> kv_state_machine::apply(const command::CommandBatch& commands,
                                                  uint64_t index, uint64_t term,
                                                  write_batch& batch) {
  auto applied = batch.applied(shard_);
  KEEL_ASSERT(index > applied.applied_index(), "apply of an index already applied");
  // A new leader whose clock is behind its predecessor's must not move time
  // back: sessions would live longer on replicas that saw the later stamp.
  auto now = std::max(applied.log_time_ms(), commands.leader_time_ms());
  expire(now, batch);
  std::vector<kv::Response> responses;
  responses.reserve(static_cast<size_t>(commands.commands_size()));
  for (const auto& cmd : commands.commands())
    responses.push_back(apply_command(cmd, index, now, batch));
  applied.set_applied_index(index);
  applied.set_applied_term(term);
  applied.set_log_time_ms(now);
  batch.set_applied(shard_, applied);
  return responses;
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
  auto session = batch.session(shard_, cmd.client_id());
  if (session && !session->expired()) {
    if (cmd.seq() < session->last_seq())
      return stale(cmd.seq(), session->last_seq());
    if (cmd.seq() == session->last_seq() && !db_->unsafe().apply_retries_twice) {
      if (session->digest() != 0 && session->digest() != digest)
        return reused(cmd);
      session->set_last_used_ms(now); // a retrying client is not idle
      batch.set_session(shard_, cmd.client_id(), *session);
      sessions_.put(cmd.client_id(), now, false);
      return session->last_response();
    }
  } else if (session && cmd.seq() <= session->last_seq()) {
    return expired(cmd, session->last_seq());
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
  batch.set_session(shard_, cmd.client_id(), updated);
  sessions_.put(cmd.client_id(), now, false);
  return response;
}

void kv_state_machine::expire(uint64_t now, write_batch& batch) {
  auto idle_longer_than = [now](uint64_t last_used, uint64_t limit) {
    return now > last_used && now - last_used > limit;
  };
  while (auto oldest = sessions_.oldest_live()) {
    if (!idle_longer_than(oldest->last_used_ms, lim_.session_timeout_ms))
      break;
    auto session = batch.session(shard_, oldest->client_id);
    ClientSession tombstone;
    tombstone.set_last_seq(session ? session->last_seq() : 0);
    tombstone.set_last_used_ms(oldest->last_used_ms);
    tombstone.set_expired(true);
    batch.set_session(shard_, oldest->client_id, tombstone);
    sessions_.put(oldest->client_id, oldest->last_used_ms, true);
  }
  while (auto oldest = sessions_.oldest_expired()) {
    if (!idle_longer_than(oldest->last_used_ms, 2 * lim_.session_timeout_ms))
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
