#include "apps/keelctl/value_source.hpp"

#include <istream>

namespace keel::keelctl {

result<std::string, input_error> read_value(std::istream& in, size_t limit,
                                            const std::string& what) {
  std::string value;
  char buf[64 * 1024];
  while (in) {
    in.read(buf, sizeof buf);
    auto got = static_cast<size_t>(in.gcount());
    if (value.size() + got > limit)
      return input_error{errc::value_too_long,
                         "the value " + what + " is larger than limits.max_value_bytes ("
                           + std::to_string(limit) + " bytes); nothing was sent"};
    value.append(buf, got);
  }
  if (in.bad())
    return input_error{errc::value_too_long, "cannot read the value " + what};
  return value;
}

size_t value_limit(const target& t) {
  return t.cluster ? t.cluster->limits.max_value_bytes : size_t{64} << 20;
}

} // namespace keel::keelctl
