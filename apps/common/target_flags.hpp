// The global flags every Keel client tool shares (docs: ../shared/docs/contract.md):
// --config FILE or --endpoints host:port,..., --timeout MS, --json and the TLS
// files --cacert FILE --cert FILE --key FILE, defined once for keelctl and
// keel-bench, and the one way both parse their command line.
// apps/common/client_target.hpp resolves the flags.
#pragma once

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "actors/client/core/tls_files.hpp"
#include "apps/common/version_flag.hpp"

namespace keel {

inline void add_target_flags(CLI::App& app, std::string& config_path, std::string& endpoints,
                             uint32_t& timeout_ms, bool& json, client::tls_flags& tls,
                             const std::string& timeout_help, const std::string& json_help) {
  app.add_option("--config", config_path, "cluster.conf to read the nodes from")
    ->capture_default_str();
  app.add_option("--endpoints", endpoints, "talk to these nodes instead: host:port,host:port,...");
  app.add_option("--timeout", timeout_ms, timeout_help)
    ->capture_default_str()
    ->check(CLI::Range(1u, 3'600'000u));
  app.add_flag("--json", json, json_help);
  // Checked together (all three or none, readable) by client::resolve_target,
  // which also falls back to cluster.conf's [tls] when they are absent.
  app
    .add_option("--cacert", tls.ca_file,
                "TLS: the CA that signed the nodes' certificates (default: [tls] ca_file)")
    ->type_name("FILE");
  app
    .add_option("--cert", tls.cert_file,
                "TLS: this client's certificate (default: [tls] client_cert)")
    ->type_name("FILE");
  app.add_option("--key", tls.key_file, "TLS: its private key (default: [tls] client_key)")
    ->type_name("FILE");
}

/// Parses the command line. Returns the exit code to leave with at once
/// (0 after --help or --version; 2 with one line "<tool>: <what>: see '<tool> --help'" on
/// stderr for a usage error), or nothing when the command should run.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv,
                                             const std::string& tool) {
  add_version_flag(app, tool);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << tool << ": " << e.what() << ": see '" << tool << " --help'\n";
    return 2;
  }
  return std::nullopt;
}

} // namespace keel
