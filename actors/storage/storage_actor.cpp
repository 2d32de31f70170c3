#include "actors/storage/storage_actor.hpp"

#include <optional>
#include <string>
#include <vector>

#include "caf/all.hpp"
#include <spdlog/spdlog.h>

#include "actors/storage/core/kv_state_machine.hpp"
#include "actors/storage/engine/engine.hpp"
#include "apps/common/logging.hpp"
#include "messages/type_ids.hpp"

namespace keel::storage {

namespace {

using response_list = std::vector<pb<kv::Response>>;

/// A write waiting for the next group commit.
struct pending_write {
  command::Command command;
  caf::typed_response_promise<pb<kv::Response>> promise;
};

struct storage_state {
  static inline const char* name = "storage";

  std::shared_ptr<engine> db; // declared first: outlives the state machine
  uint32_t shard = 0;
  limits lim;
  std::optional<kv_state_machine> machine;
  AppliedState applied; // invariant: equals db->applied(shard) between messages
  std::vector<pending_write> pending;
  bool flush_requested = false; // a flush_atom is in the mailbox
  std::shared_ptr<spdlog::logger> log;
};

using storage_actor_type = caf::stateful_actor<storage_state>;

kv::Response invalid_argument(std::string error) {
  kv::Response response;
  response.set_status(kv::STATUS_INVALID_ARGUMENT);
  response.set_error(std::move(error));
  return response;
}

/// The exit reason of a storage failure. Every waiting write gets it as its
/// answer (its outcome is unknown to the client, never OK); the actor then
/// exits with it so that its supervisor restarts it from durable state.
caf::error fail_waiting_writes(storage_state& st, const std::string& what) {
  st.log->error("storage failed shard={} error={}", st.shard, what);
  auto reason = caf::make_error(caf::sec::runtime_error, "storage failed: " + what);
  for (auto& write : st.pending)
    write.promise.deliver(reason);
  st.pending.clear();
  return reason;
}

/// Commits `batch`, or fails the waiting writes and stops the actor.
bool commit_or_crash(storage_actor_type* self, write_batch& batch, bool sync) {
  auto error = self->state.db->commit(batch, sync);
  if (!error)
    return true;
  self->quit(fail_waiting_writes(self->state, *error));
  return false;
}

/// Group commit: applies up to max_commands_per_flush waiting writes as one
/// log index, with one synced commit, then answers them.
void flush(storage_actor_type* self) {
  auto& st = self->state;
  st.flush_requested = false;
  if (st.pending.empty())
    return;
  auto count = std::min(st.pending.size(), max_commands_per_flush);
  command::CommandBatch commands;
  for (size_t i = 0; i < count; ++i)
    *commands.add_commands() = st.pending[i].command;
  // Single-node mode is a one-member group in one implicit term (>= 1).
  auto index = st.applied.applied_index() + 1;
  auto term = std::max<uint64_t>(st.applied.applied_term(), 1);
  auto batch = st.db->make_batch();
  auto responses = st.machine->apply(commands, index, term, batch);
  if (!commit_or_crash(self, batch, true))
    return;
  st.applied.set_applied_index(index);
  st.applied.set_applied_term(term);
  st.log->debug("group commit shard={} index={} commands={}", st.shard, index, count);
  for (size_t i = 0; i < count; ++i)
    st.pending[i].promise.deliver(make_pb(std::move(responses[i])));
  st.pending.erase(st.pending.begin(), st.pending.begin() + static_cast<ptrdiff_t>(count));
  if (!st.pending.empty()) {
    st.flush_requested = true;
    self->send(self, flush_atom_v);
  }
}

caf::result<pb<kv::Response>> handle_request(storage_actor_type* self,
                                             const kv::Request& request) {
  auto& st = self->state;
  if (auto problem = validate(request, st.lim))
    return make_pb(invalid_argument(std::move(*problem)));
  if (request.has_get())
    return make_pb(st.machine->read(request.get()));
  auto promise = self->make_response_promise<pb<kv::Response>>();
  st.pending.push_back({*to_command(request), promise});
  if (!st.flush_requested) {
    st.flush_requested = true;
    self->send(self, flush_atom_v);
  }
  return promise;
}

caf::result<response_list> handle_apply(storage_actor_type* self,
                                        const command::CommandBatch& commands,
                                        uint64_t index, uint64_t term, bool sync) {
  auto& st = self->state;
  auto batch = st.db->make_batch();
  auto responses = st.machine->apply(commands, index, term, batch);
  if (!commit_or_crash(self, batch, sync))
    return caf::make_error(caf::sec::runtime_error, "storage commit failed");
  st.applied.set_applied_index(index);
  st.applied.set_applied_term(term);
  response_list out;
  out.reserve(responses.size());
  for (auto& response : responses)
    out.push_back(make_pb(std::move(response)));
  return out;
}

caf::result<caf::ok_atom> handle_import(storage_actor_type* self,
                                        const ShardSnapshot& snapshot) {
  auto& st = self->state;
  if (snapshot.shard() != st.shard)
    return caf::make_error(caf::sec::invalid_argument,
                           "snapshot of shard " + std::to_string(snapshot.shard())
                             + " sent to the storage actor of shard "
                             + std::to_string(st.shard));
  auto batch = st.db->make_batch();
  batch.replace_shard(snapshot);
  if (!commit_or_crash(self, batch, true))
    return caf::make_error(caf::sec::runtime_error, "storage commit failed");
  st.applied = st.db->applied(st.shard);
  st.log->info("imported snapshot shard={} applied_index={} keys={}", st.shard,
               st.applied.applied_index(), snapshot.data_size());
  return caf::ok_atom_v;
}

admin::ShardStatus status_of(const storage_state& st) {
  admin::ShardStatus status;
  status.set_shard(st.shard);
  status.set_applied_index(st.applied.applied_index());
  status.set_last_index(st.db->last_index(st.shard));
  status.set_snapshot_index(st.db->log_state(st.shard).snapshot_index());
  return status;
}

caf::behavior storage_actor(storage_actor_type* self, std::shared_ptr<engine> db,
                            uint32_t shard, limits lim) {
  auto& st = self->state;
  st.db = std::move(db);
  st.shard = shard;
  st.lim = lim;
  st.log = component_logger("storage");
  // A RocksDB read error (engine_error) or a broken invariant thrown by the
  // state machine ends the actor like a failed commit does; no handler catches
  // and continues.
  self->set_exception_handler([self](std::exception_ptr& thrown) -> caf::error {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(thrown);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    return fail_waiting_writes(self->state, what);
  });
  st.machine.emplace(*st.db, shard);
  st.applied = st.db->applied(shard); // continue where the last incarnation stopped
  st.log->info("started shard={} applied_index={} applied_term={}", shard,
               st.applied.applied_index(), st.applied.applied_term());
  return {
    [self](kv_atom, const pb<kv::Request>& request) {
      return handle_request(self, request.msg);
    },
    [self](flush_atom) { flush(self); },
    [self](apply_atom, const pb<command::CommandBatch>& commands, uint64_t index,
           uint64_t term, bool sync) {
      return handle_apply(self, commands.msg, index, term, sync);
    },
    [self](snap_atom) { return make_pb(self->state.db->export_shard(self->state.shard)); },
    [self](snap_atom, const pb<ShardSnapshot>& snapshot) {
      return handle_import(self, snapshot.msg);
    },
    [self](status_atom) { return make_pb(status_of(self->state)); },
  };
}

} // namespace

caf::actor spawn_storage_actor(caf::actor_system& sys, std::shared_ptr<engine> db,
                               uint32_t shard, limits lim, spawn_mode mode) {
  if (mode == spawn_mode::detached)
    return sys.spawn<caf::detached>(storage_actor, std::move(db), shard, lim);
  return sys.spawn(storage_actor, std::move(db), shard, lim);
}

} // namespace keel::storage
