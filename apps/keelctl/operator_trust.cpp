#include "apps/keelctl/operator_trust.hpp"

#include <utility>

#include "apps/common/cluster_secret.hpp"

namespace keel::keelctl {

std::variant<security::trust, std::string> operator_trust(const target& t) {
  if (t.transport.tls.enabled()) {
    auto tr = security::trust::with_certificates(t.transport.tls.ca_file,
                                                 t.transport.tls.cert_file,
                                                 t.transport.tls.key_file);
    if (auto* err = std::get_if<std::string>(&tr))
      return *err;
    return std::move(std::get<security::trust>(tr));
  }
  if (!t.cluster)
    return std::string{"faults need the cluster secret: pass --config of the cluster (its "
                       "[cluster] secret_file), not --endpoints"};
  auto secret = config::load_cluster_secret(t.cluster->security.secret_file, false);
  if (secret.index() == 1)
    return std::get<1>(secret);
  auto tr = security::trust::with_secret(std::move(std::get<0>(secret)));
  if (auto* err = std::get_if<std::string>(&tr))
    return *err;
  return std::move(std::get<security::trust>(tr));
}

} // namespace keel::keelctl
