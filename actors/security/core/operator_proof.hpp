// operator_proof: who may change the cluster. `keelctl fault` (and, later,
// membership changes) can partition or crash a cluster, so a node carries one
// out only for an operator: in a TLS cluster the holder of a certificate with
// OU=keel-operator, in a plaintext cluster whoever knows the cluster secret.
// The proof is bound to the target node, a time and a nonce, so it cannot be
// replayed against another node, later than `window_ms` after it was made, or
// twice. Pure: the caller passes the wall-clock time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <utility>

#include "actors/security/core/trust.hpp"
#include "messages/admin.pb.h"

namespace keel::security {

/// Signs `req` (its proof field is replaced) for node `node_id`.
void attach_operator_proof(const trust& t, const std::string& node_id, uint64_t now_ms,
                           admin::FaultRequest& req);

/// The node's side: checks proofs and remembers the nonces it accepted.
class operator_gate {
public:
  operator_gate(const trust& t, std::string node_id, uint64_t window_ms = 60'000,
                std::size_t max_nonces = 100'000);

  /// Success if `req` carries a valid, fresh, unused proof; otherwise why not
  /// (the detail is a sentence for the operator).
  result<void> check(const admin::FaultRequest& req, uint64_t now_ms);

private:
  const trust* trust_;
  std::string node_id_;
  uint64_t window_ms_;
  std::size_t max_nonces_;
  std::set<std::pair<uint64_t, std::string>> seen_; // (time_ms, nonce) of accepted proofs
};

} // namespace keel::security
