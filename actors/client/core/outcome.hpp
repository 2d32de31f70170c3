// What the attempts of one client operation mean to its caller: the outcome a
// caller sees (ok, not_found, cas_mismatch, invalid, unavailable, unknown), how
// one answer from a node is judged, and how the attempts of an operation fold
// into an outcome when the client gives up. Pure; used by the client session
// actor (actors/client/client.cpp) and by the unit tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "messages/kv.pb.h"

namespace keel::client {

/// The outcome of one client operation. The split between `unavailable` and
/// `unknown` is the one a linearizability checker needs: `unavailable` is a
/// definite "not applied", `unknown` means the write may take effect at any
/// later time (Jepsen's `info`).
enum class outcome : uint8_t {
  ok,           // applied (writes) or found (reads)
  not_found,    // get, del or cas: the key is absent
  cas_mismatch, // cas: the key holds another value
  invalid,      // a node rejected the input (too long, empty key): not applied
  unavailable,  // definitely not applied: no node could serve the request
  unknown,      // a request may have reached a node and no answer came
};

/// "ok", "not_found", "cas_mismatch", "invalid", "unavailable", "unknown".
std::string_view to_string(outcome x);

/// Why an attempt did not end its operation.
enum class failure : uint8_t {
  not_sent,  // no connection to the node: the request never left the client
  rejected,  // the node answered NOT_LEADER or UNAVAILABLE: not applied there
  lost,      // the request was sent and no answer came (timeout, connection lost)
  timed_out, // the node answered TIMEOUT: it may still apply the request
};

/// True for the failures after which the request may still take effect.
bool may_apply(failure f);

/// What one answer of a node means for its operation.
struct verdict {
  std::optional<outcome> final;             // set: the operation is over
  failure retry_reason = failure::rejected; // otherwise: why it is tried again
};

/// Judges one answer. A retried write keeps its seq, so the node's session
/// table answers a duplicate with the original result (Raft thesis §6.3): an
/// answer to any attempt is the answer to the operation.
verdict judge(const kv::Response& r);

/// The status a final outcome travels as inside a kv::Response (OK,
/// NOT_FOUND, CAS_MISMATCH, INVALID_ARGUMENT, UNAVAILABLE, TIMEOUT), and back.
/// outcome_of(status_of(x)) == x for every outcome.
kv::Status status_of(outcome x);
outcome outcome_of(kv::Status s);

/// The attempts of one operation, folded.
class attempt_record {
public:
  /// Records one failed attempt.
  void record(failure f);

  /// The outcome when the client stops trying: unknown if any attempt may
  /// still take effect, else unavailable (every attempt was definitely not
  /// applied).
  outcome give_up() const;

  /// Whether any request of this operation reached a node (or may have).
  bool contacted() const { return contacted_; }

private:
  bool maybe_applied_ = false; // some attempt may still take effect
  bool contacted_ = false;     // some attempt got past connecting
};

} // namespace keel::client
