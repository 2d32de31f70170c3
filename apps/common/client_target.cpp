#include "apps/common/client_target.hpp"

#include <algorithm>

namespace keel::client {

setup_result<target> resolve_target(const std::string& config_path, const std::string& endpoints,
                                    uint32_t timeout_ms, const tls_flags& tls) {
  target t;
  // The flags' own errors first: they are what the user just typed.
  if (tls.any())
    if (auto checked = resolve_tls(tls, nullptr, ""); !checked)
      return checked.error();
  if (!endpoints.empty()) {
    auto parsed = parse_endpoints(endpoints);
    if (!parsed)
      return setup_error{errc::bad_endpoints, "--endpoints: " + parsed.error().detail};
    t.options.endpoints = *std::move(parsed);
  } else {
    auto loaded = config::load_cluster_config(config_path);
    if (!loaded)
      return setup_error{errc::bad_config, loaded.error().to_string()};
    t.cluster = *std::move(loaded);
    t.config_path = config_path;
    t.options = options_from(*t.cluster);
    t.transport = transport_from(t.cluster->timing);
  }
  auto files = resolve_tls(tls, t.cluster ? &t.cluster->security : nullptr, config_path);
  if (!files)
    return files.error();
  t.transport.tls = *std::move(files);
  t.options.timeout_ms = timeout_ms;
  t.options.request_timeout_ms = std::min(t.options.request_timeout_ms, timeout_ms);
  return t;
}

} // namespace keel::client
