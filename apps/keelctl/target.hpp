// keelctl's checks of its arguments against the target it talks to
// (apps/common/client_target.hpp): a NODE argument, and keys and values against
// cluster.conf's limits. A bad argument is a usage error: exit 2, nothing sent.
#pragma once

#include <cstdint>
#include <string>

#include "actors/base/core/errors.hpp"
#include "apps/common/client_target.hpp"

namespace keel::keelctl {

using client::target;

/// Why an argument is refused before anything is sent.
enum class errc {
  unknown_node, ///< NODE is neither a node id nor a host:port of the target
  empty_key,
  key_too_long,     ///< above cluster.conf's limits.max_key_bytes
  value_too_long,   ///< above cluster.conf's limits.max_value_bytes
  bad_fault,        ///< a fault's PATH, PEER or amount makes no sense
  no_operator,      ///< nothing to prove that keelctl is an operator with
  bad_value_source, ///< put: no VALUE, or its --file cannot be read
};

/// The code, and the one line the user sees after "<command>: ".
struct input_error {
  errc code;
  std::string detail;
};

/// The index of the endpoint a NODE argument names (a node id, or host:port);
/// the error lists the known nodes.
result<size_t, input_error> find_node(const target& t, const std::string& node);

/// Checks a key and a value against cluster.conf's [limits] (or, without a
/// file, only that the key is not empty).
result<void, input_error> check_input(const target& t, const std::string& key,
                                      const std::string* value);

} // namespace keel::keelctl
