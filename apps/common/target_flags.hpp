// The global flags every Keel client tool shares (docs: ../shared/docs/contract.md):
// --config FILE or --endpoints host:port,..., --timeout MS and --json, defined
// once for keelctl and keel-bench. actors/client/target.hpp resolves them.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace keel {

inline void add_target_flags(CLI::App& app, std::string& config_path, std::string& endpoints,
                             uint32_t& timeout_ms, bool& json, const std::string& timeout_help,
                             const std::string& json_help) {
  app.add_option("--config", config_path, "cluster.conf to read the nodes from")
    ->capture_default_str();
  app.add_option("--endpoints", endpoints,
                 "talk to these nodes instead: host:port,host:port,...");
  app.add_option("--timeout", timeout_ms, timeout_help)
    ->capture_default_str()
    ->check(CLI::Range(1u, 3'600'000u));
  app.add_flag("--json", json, json_help);
}

} // namespace keel
