// keelctl's checks of its arguments against the target it talks to
// (apps/common/client_target.hpp): a NODE argument, and keys and values against
// cluster.conf's limits. A bad argument is a usage error: exit 2, nothing sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "apps/common/client_target.hpp"

namespace keel::keelctl {

using client::target;

/// The endpoint a NODE argument names (a node id, or host:port), or the
/// one-line usage error that lists the known nodes.
std::variant<size_t, std::string> find_node(const target& t, const std::string& node);

/// Checks a key and a value against cluster.conf's [limits] (or, without a
/// file, only that the key is not empty). Returns the problem, if any.
std::optional<std::string> check_input(const target& t, const std::string& key,
                                       const std::string* value);

} // namespace keel::keelctl
