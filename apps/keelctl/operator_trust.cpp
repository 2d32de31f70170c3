#include "apps/keelctl/operator_trust.hpp"

#include <utility>

#include "apps/common/cluster_secret.hpp"

namespace keel::keelctl {

namespace {

input_error no_operator(std::string why) { return {errc::no_operator, std::move(why)}; }

} // namespace

result<security::trust, input_error> operator_trust(const target& t) {
  if (t.transport.tls.enabled()) {
    auto tr = security::trust::with_certificates(t.transport.tls.ca_file, t.transport.tls.cert_file,
                                                 t.transport.tls.key_file);
    if (!tr)
      return no_operator(tr.error().detail);
    return *std::move(tr);
  }
  if (!t.cluster)
    return no_operator("faults need the cluster secret: pass --config of the cluster (its "
                       "[cluster] secret_file), not --endpoints");
  auto secret = config::load_cluster_secret(t.cluster->security.secret_file, false);
  if (!secret)
    return no_operator(secret.error().detail);
  auto tr = security::trust::with_secret(*std::move(secret));
  if (!tr)
    return no_operator(tr.error().detail);
  return *std::move(tr);
}

} // namespace keel::keelctl
