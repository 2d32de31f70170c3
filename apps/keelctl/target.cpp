#include "apps/keelctl/target.hpp"

#include <algorithm>

namespace keel::keelctl {

result<size_t, input_error> find_node(const target& t, const std::string& node) {
  std::string known;
  const auto& eps = t.options.endpoints;
  for (size_t i = 0; i < eps.size(); ++i) {
    if ((!eps[i].node_id.empty() && eps[i].node_id == node) || eps[i].address() == node)
      return i;
    known += (known.empty() ? "" : ", ") + eps[i].name();
  }
  return input_error{errc::unknown_node, "unknown node '" + node + "' (known: " + known + ")"};
}

result<void, input_error> check_input(const target& t, const std::string& key,
                                      const std::string* value) {
  if (key.empty())
    return input_error{errc::empty_key, "KEY must not be empty"};
  if (!t.cluster)
    return {}; // the node checks its limits itself
  const auto& lim = t.cluster->limits;
  if (key.size() > lim.max_key_bytes)
    return input_error{errc::key_too_long, "KEY is " + std::to_string(key.size())
                                             + " bytes; limits.max_key_bytes is "
                                             + std::to_string(lim.max_key_bytes)};
  if (value != nullptr && value->size() > lim.max_value_bytes)
    return input_error{errc::value_too_long, "VALUE is " + std::to_string(value->size())
                                               + " bytes; limits.max_value_bytes is "
                                               + std::to_string(lim.max_value_bytes)};
  return {};
}

} // namespace keel::keelctl
