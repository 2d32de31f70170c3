// cluster_config: parses and validates cluster.conf into the model that the
// actors and the client library use (actors/config/core/cluster_config.hpp).
//
// cluster.conf is TOML (parsed with toml++, which reports line and column of
// every value, so every error names its line and setting). It is parsed here and
// nowhere else; everything downstream receives a cluster_config that has passed
// validate() in full, the way OTP checks child specs before starting anything.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/base/core/errors.hpp"
#include "actors/config/core/cluster_config.hpp"
#include "actors/config/core/placement.hpp"

namespace keel::config {

/// A configuration error: where it is and what is wrong. The one error of
/// cluster.conf parsing: users act on the file, line and setting, not a code.
struct config_error {
  std::string source;  // file name
  uint32_t line = 0;   // 1-based; 0 when the error is not tied to a line
  std::string setting; // e.g. "timing.election_ticks" or "node[2].port" (the
                       // second [[node]] table: 1-based, like the line);
                       // empty for TOML syntax errors
  std::string message; // what is wrong and what is expected

  /// "cluster.conf:12: timing.election_ticks: must be at least 2 * heartbeat_ticks (got 4)";
  /// the line and the setting are left out when they are 0 or empty.
  std::string to_string() const;
};

using parse_result = result<cluster_config, config_error>;

/// Parses and validates TOML text. `source` names it in errors;
/// `base_dir` resolves a relative data_dir (normally the file's directory).
parse_result parse_cluster_config(std::string_view text, std::string source,
                                  const std::string& base_dir);

/// Reads and parses a file; a missing or unreadable file is a config_error.
parse_result load_cluster_config(const std::string& path);

} // namespace keel::config
