#include "actors/storage/core/kv_state_machine.hpp"

#include <stdexcept>
#include <string>

namespace keel::storage {

namespace {

kv::Response with_status(kv::Status status, const char* error = "") {
  kv::Response response;
  response.set_status(status);
  response.set_error(error);
  return response;
}

kv::Response stale(uint64_t seq, uint64_t last_seq) {
  auto response = with_status(kv::STATUS_STALE_REQUEST);
  response.set_error("seq " + std::to_string(seq)
                     + " is older than the last applied seq " + std::to_string(last_seq)
                     + " of this client; its answer is no longer kept");
  return response;
}

} // namespace

kv_state_machine::kv_state_machine(const engine& db, uint32_t shard)
  : db_(&db), shard_(shard) {
  if (shard >= db.shards())
    throw std::out_of_range("kv_state_machine: shard " + std::to_string(shard)
                            + " out of range");
}

std::vector<kv::Response> kv_state_machine::apply(const command::CommandBatch& commands,
                                                  uint64_t index, uint64_t term,
                                                  write_batch& batch) const {
  auto applied = batch.applied(shard_);
  if (index <= applied.applied_index())
    throw std::invalid_argument("apply of index " + std::to_string(index) + " to shard "
                                + std::to_string(shard_) + ", already applied up to "
                                + std::to_string(applied.applied_index()));
  std::vector<kv::Response> responses;
  responses.reserve(static_cast<size_t>(commands.commands_size()));
  for (const auto& cmd : commands.commands()) {
    // Thesis §6.3: the session decides before the command may touch the data.
    std::optional<ClientSession> session;
    if (cmd.client_id() != 0)
      session = batch.session(shard_, cmd.client_id());
    if (session && cmd.seq() == session->last_seq()) {
      responses.push_back(session->last_response());
      continue;
    }
    if (session && cmd.seq() < session->last_seq()) {
      responses.push_back(stale(cmd.seq(), session->last_seq()));
      continue;
    }
    auto response = apply_one(cmd, batch);
    response.set_index(index);
    if (cmd.client_id() != 0) {
      ClientSession updated;
      updated.set_last_seq(cmd.seq());
      *updated.mutable_last_response() = response;
      batch.set_session(shard_, cmd.client_id(), updated);
    }
    responses.push_back(std::move(response));
  }
  applied.set_applied_index(index);
  applied.set_applied_term(term);
  batch.set_applied(shard_, applied);
  return responses;
}

kv::Response kv_state_machine::apply_one(const command::Command& cmd,
                                         write_batch& batch) const {
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
      auto response = with_status(kv::STATUS_CAS_MISMATCH,
                                  cas.expect_absent() ? "key exists"
                                                      : "current value differs from expected");
      response.set_value(*current);
      response.set_has_value(true);
      return response;
    }
    case command::Command::OP_NOT_SET:
      break;
  }
  // Validation keeps such commands out of the log; if one arrives anyway,
  // every replica answers it the same way.
  auto response = with_status(kv::STATUS_INVALID_ARGUMENT);
  response.set_error("command has no operation");
  return response;
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
