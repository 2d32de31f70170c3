#include "supervisors/core/spec_check.hpp"

#include <set>

namespace keel::sup {

std::optional<std::string> check_child_id(const std::string& id) {
  if (id.empty())
    return "child id is empty";
  if (id.find('/') != std::string::npos)
    return "child id '" + id + "' contains '/'";
  return std::nullopt;
}

std::optional<std::string> check_spec(const flags& f,
                                      const std::vector<std::string>& ids) {
  if (f.strat == strategy::simple_one_for_one && ids.size() != 1)
    return "simple_one_for_one needs exactly one child spec, got "
           + std::to_string(ids.size());
  std::set<std::string> seen;
  for (const auto& id : ids) {
    if (auto err = check_child_id(id))
      return err;
    if (!seen.insert(id).second)
      return "duplicate child id '" + id + "'";
  }
  return std::nullopt;
}

} // namespace keel::sup
