#include "apps/keelctl/operator_trust.hpp"

#include <utility>

#include "apps/common/cluster_secret.hpp"

namespace keel::keelctl {

std::variant<security::trust, std::string> operator_trust(const target& t) {
  if (t.transport.tls.enabled()) {
    auto tr = security::trust::with_certificates(t.transport.tls.ca_file, t.transport.tls.cert_file,
                                                 t.transport.tls.key_file);
    if (!tr)
      return tr.error().detail;
    return *std::move(tr);
  }
  if (!t.cluster)
    return std::string{"faults need the cluster secret: pass --config of the cluster (its "
                       "[cluster] secret_file), not --endpoints"};
  auto secret = config::load_cluster_secret(t.cluster->security.secret_file, false);
  if (!secret)
    return secret.error().detail;
  auto tr = security::trust::with_secret(*std::move(secret));
  if (!tr)
    return tr.error().detail;
  return *std::move(tr);
}

} // namespace keel::keelctl
