#include "actors/security/core/operator_proof.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "actors/security/core/crypto.hpp"

namespace keel::security {

namespace {

constexpr std::string_view label = "keel-operator-v1";
constexpr std::size_t proof_nonce_size = 16;

std::string signed_part(const std::string& node_id, uint64_t time_ms, const std::string& nonce,
                        admin::FaultRequest req) {
  req.clear_proof();
  std::string m;
  append_field(m, node_id);
  append_u64(m, time_ms);
  append_field(m, nonce);
  // Deterministic serialization: the same request gives the same bytes on
  // the operator's machine and on the node.
  std::string body;
  {
    google::protobuf::io::StringOutputStream out(&body);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    req.SerializeToCodedStream(&coded);
  }
  append_field(m, body);
  return m;
}

} // namespace

void attach_operator_proof(const trust& t, const std::string& node_id, uint64_t now_ms,
                           admin::FaultRequest& req) {
  admin::OperatorProof p;
  p.set_certificate(t.certificate());
  p.set_time_ms(now_ms);
  p.set_nonce(random_bytes(proof_nonce_size));
  p.set_signature(t.prove(label, signed_part(node_id, now_ms, p.nonce(), req)));
  *req.mutable_proof() = std::move(p);
}

operator_gate::operator_gate(const trust& t, std::string node_id, uint64_t window_ms,
                             std::size_t max_nonces)
  : trust_(&t),
    node_id_(std::move(node_id)),
    window_ms_(window_ms),
    max_nonces_(max_nonces) {}

result<void> operator_gate::check(const admin::FaultRequest& req, uint64_t now_ms) {
  if (!req.has_proof())
    return security_error{
      errc::no_proof, trust_->uses_certificates()
                        ? "this request needs an operator certificate (OU=keel-operator): pass "
                          "--cert/--key of one"
                        : "this request needs the cluster secret: run keelctl with --config of the "
                          "cluster (it reads [cluster] secret_file)"};
  const auto& p = req.proof();
  if (p.nonce().size() != proof_nonce_size)
    return security_error{errc::malformed, "the operator proof is malformed"};
  uint64_t age = now_ms > p.time_ms() ? now_ms - p.time_ms() : p.time_ms() - now_ms;
  if (age > window_ms_)
    return security_error{errc::stale, "the operator proof is " + std::to_string(age / 1000)
                                         + " s away from this node's clock (the limit is "
                                         + std::to_string(window_ms_ / 1000)
                                         + " s): check the clocks"};
  // Forget what has left the window: a proof that old is refused by time.
  while (!seen_.empty() && seen_.begin()->first + window_ms_ < now_ms)
    seen_.erase(seen_.begin());
  if (seen_.count({p.time_ms(), p.nonce()}))
    return security_error{errc::replayed, "this operator proof was used before (a replay)"};
  auto who
    = trust_->check(label, signed_part(node_id_, p.time_ms(), p.nonce(), req), p.signature(),
                    p.certificate(), role::operator_, "", static_cast<int64_t>(now_ms / 1000));
  if (!who)
    return security_error{who.error().code, "not an operator: " + who.error().detail};
  if (seen_.size() >= max_nonces_)
    return security_error{errc::busy, "too many operator requests within "
                                        + std::to_string(window_ms_ / 1000) + " s; retry later"};
  seen_.insert({p.time_ms(), p.nonce()});
  return {};
}

} // namespace keel::security
