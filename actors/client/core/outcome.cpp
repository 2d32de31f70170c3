#include "actors/client/core/outcome.hpp"

namespace keel::client {

std::string_view to_string(outcome x) {
  switch (x) {
    case outcome::ok: return "ok";
    case outcome::not_found: return "not_found";
    case outcome::cas_mismatch: return "cas_mismatch";
    case outcome::invalid: return "invalid";
    case outcome::unavailable: return "unavailable";
    case outcome::unknown: return "unknown";
  }
  return "unknown";
}

bool may_apply(failure f) { return f == failure::lost || f == failure::timed_out; }

verdict judge(const kv::Response& r) {
  switch (r.status()) {
    case kv::STATUS_OK: return {outcome::ok};
    case kv::STATUS_NOT_FOUND: return {outcome::not_found};
    case kv::STATUS_CAS_MISMATCH: return {outcome::cas_mismatch};
    case kv::STATUS_INVALID_ARGUMENT: return {outcome::invalid};
    case kv::STATUS_NOT_LEADER:
    case kv::STATUS_UNAVAILABLE: return {std::nullopt, failure::rejected};
    case kv::STATUS_TIMEOUT:
      // The entry may sit in a leader's log and commit later; a retry with
      // the same seq is deduplicated, so trying again is safe (§6.3).
      return {std::nullopt, failure::timed_out};
    case kv::STATUS_STALE_REQUEST:
      // The session no longer remembers this seq's answer: retrying cannot
      // learn it, and the write may well have been applied.
      return {outcome::unknown};
    case kv::STATUS_SESSION_EXPIRED:
      // Only a seq the shard had already applied meets an expired session (a
      // newer seq opens a new one): an earlier attempt took effect, with an
      // answer nobody keeps. Final, and neither "not applied" nor "ok".
      return {outcome::unknown};
    default:
      // A status this client does not know: the node may have applied it.
      return {outcome::unknown};
  }
}

kv::Status status_of(outcome x) {
  switch (x) {
    case outcome::ok: return kv::STATUS_OK;
    case outcome::not_found: return kv::STATUS_NOT_FOUND;
    case outcome::cas_mismatch: return kv::STATUS_CAS_MISMATCH;
    case outcome::invalid: return kv::STATUS_INVALID_ARGUMENT;
    case outcome::unavailable: return kv::STATUS_UNAVAILABLE;
    case outcome::unknown: return kv::STATUS_TIMEOUT;
  }
  return kv::STATUS_TIMEOUT;
}

outcome outcome_of(kv::Status s) {
  switch (s) {
    case kv::STATUS_OK: return outcome::ok;
    case kv::STATUS_NOT_FOUND: return outcome::not_found;
    case kv::STATUS_CAS_MISMATCH: return outcome::cas_mismatch;
    case kv::STATUS_INVALID_ARGUMENT: return outcome::invalid;
    case kv::STATUS_NOT_LEADER:
    case kv::STATUS_UNAVAILABLE: return outcome::unavailable;
    default: return outcome::unknown;
  }
}

void attempt_record::record(failure f) {
  if (f != failure::not_sent)
    contacted_ = true;
  if (may_apply(f))
    maybe_applied_ = true;
}

outcome attempt_record::give_up() const {
  return maybe_applied_ ? outcome::unknown : outcome::unavailable;
}

} // namespace keel::client
