// client_request: what is checked about a client's kv::Request before anything
// is proposed or read, and how a write becomes a replicated command. Pure
// functions; called by the storage actor for the reads it serves and by
// whoever proposes client writes to Raft (the replica / client service).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "actors/storage/core/storage_error.hpp"
#include "messages/command.pb.h"
#include "messages/kv.pb.h"

namespace keel::storage {

/// Input limits (the node converts config::limits_config into this).
struct limits {
  uint32_t max_key_bytes = 1024;
  uint32_t max_value_bytes = 1 << 20;
};

/// Nothing if `request` may proceed; else errc::invalid, refused with
/// STATUS_INVALID_ARGUMENT, whose detail names the field, the limit and the
/// actual size, e.g. "key is 2000 bytes; the limit is max_key_bytes = 1024".
result<void> validate(const kv::Request& request, const limits& lim);

/// The command that carries a write request (put, del, cas) through the log,
/// with the request's session (client_id, seq); nullopt for a read or a
/// request without an operation.
std::optional<command::Command> to_command(const kv::Request& request);

} // namespace keel::storage
