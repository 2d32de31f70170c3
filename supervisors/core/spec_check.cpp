#include "supervisors/core/spec_check.hpp"

#include <set>

namespace keel::sup {

const char* to_string(errc code) {
  switch (code) {
    case errc::empty_child_id: return "empty_child_id";
    case errc::slash_in_child_id: return "slash_in_child_id";
    case errc::duplicate_child_id: return "duplicate_child_id";
    case errc::template_count: return "template_count";
  }
  return "unknown";
}

result<void, spec_error> check_child_id(const std::string& id) {
  if (id.empty())
    return spec_error{errc::empty_child_id, "child id is empty"};
  if (id.find('/') != std::string::npos)
    return spec_error{errc::slash_in_child_id, "child id '" + id + "' contains '/'"};
  return {};
}

result<void, spec_error> check_spec(const flags& f, const std::vector<std::string>& ids) {
  if (f.strat == strategy::simple_one_for_one && ids.size() != 1)
    return spec_error{errc::template_count, "simple_one_for_one needs exactly one child spec, got "
                                              + std::to_string(ids.size())};
  std::set<std::string> seen;
  for (const auto& id : ids) {
    if (auto checked = check_child_id(id); !checked.ok())
      return checked;
    if (!seen.insert(id).second)
      return spec_error{errc::duplicate_child_id, "duplicate child id '" + id + "'"};
  }
  return {};
}

} // namespace keel::sup
