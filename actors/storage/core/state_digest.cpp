#include "actors/storage/core/state_digest.hpp"

#include <cstdio>

#include "actors/base/core/fnv1a.hpp"

namespace keel::storage {

uint64_t state_digest(const ShardSnapshot& snapshot) {
  fnv1a h;
  h.u64(snapshot.applied_index());
  h.u64(snapshot.applied_term());
  h.u64(snapshot.log_time_ms());
  h.u64(static_cast<uint64_t>(snapshot.data_size()));
  for (const auto& kv : snapshot.data()) {
    h.bytes(kv.key());
    h.bytes(kv.value());
  }
  h.u64(static_cast<uint64_t>(snapshot.sessions_size()));
  for (const auto& s : snapshot.sessions()) {
    const auto& cs = s.session();
    h.u64(s.client_id());
    h.u64(cs.last_seq());
    h.u64(cs.last_used_ms());
    h.u64(cs.digest());
    h.byte(cs.expired() ? 1 : 0);
    // The answer a retry would get: its status and value are what a client
    // sees, so they are what must agree.
    h.byte(cs.has_last_response() ? 1 : 0);
    h.u64(static_cast<uint64_t>(cs.last_response().status()));
    h.bytes(cs.last_response().value());
    h.byte(cs.last_response().has_value() ? 1 : 0);
    h.u64(cs.last_response().index());
  }
  return h.value();
}

std::string digest_hex(uint64_t digest) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(digest));
  return buf;
}

} // namespace keel::storage
