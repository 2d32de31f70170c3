// Validation of a supervisor's flags and child ids before anything starts,
// like OTP's check_childspecs: a bad tree definition is refused whole.
#pragma once

#include <string>
#include <vector>

#include "actors/base/core/errors.hpp"
#include "supervisors/core/child_spec.hpp"

namespace keel::sup {

/// Why a supervisor definition is refused (the supervision layer's errors).
enum class errc {
  empty_child_id,
  slash_in_child_id, ///< ids become path segments
  duplicate_child_id,
  template_count, ///< simple_one_for_one needs exactly one child spec
};

/// A short stable name for `code`.
const char* to_string(errc code);

/// The code, and a sentence naming the offending id or count.
struct spec_error {
  errc code;
  std::string detail;
};

/// Success if the flags and child ids (in start order) make a valid
/// supervisor. Ids must be non-empty, unique and free of '/'. A
/// simple_one_for_one supervisor has exactly one child spec: the template of
/// its dynamic children.
result<void, spec_error> check_spec(const flags& f, const std::vector<std::string>& ids);

/// Success if `id` can name a child (not empty, no '/').
result<void, spec_error> check_child_id(const std::string& id);

} // namespace keel::sup
