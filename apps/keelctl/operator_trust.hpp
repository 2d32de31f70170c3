// What keelctl proves that it is an operator with, for requests a node only
// takes from an operator (faults): the operator certificate given as the
// client certificate (TLS), or the cluster secret of cluster.conf.
#pragma once

#include <string>

#include "actors/security/core/operator_proof.hpp"
#include "apps/keelctl/target.hpp"

namespace keel::keelctl {

/// The operator's trust for `t`, or errc::no_operator with the one-line reason
/// keelctl has none (no readable certificate or secret, or --endpoints without
/// a secret).
result<security::trust, input_error> operator_trust(const target& t);

} // namespace keel::keelctl
