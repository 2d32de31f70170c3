// Validation of a supervisor's flags and child ids before anything starts,
// like OTP's check_childspecs: a bad tree definition is refused whole.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "supervisors/core/child_spec.hpp"

namespace keel::sup {

/// Returns why the flags and child ids (in start order) are not a valid
/// supervisor, or nothing if they are. Ids must be non-empty, unique and free
/// of '/' (they become path segments). A simple_one_for_one supervisor has
/// exactly one child spec: the template of its dynamic children.
std::optional<std::string> check_spec(const flags& f,
                                      const std::vector<std::string>& ids);

/// Returns why `id` cannot name a child (empty, or contains '/'), or nothing.
std::optional<std::string> check_child_id(const std::string& id);

} // namespace keel::sup
