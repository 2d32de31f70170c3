#include "actors/config/core/loopback.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace keel::config {

bool is_loopback(std::string_view host) {
  std::string h{host};
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
  if (h == "localhost")
    return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, h.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, h.c_str(), &v6) == 1
         && std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
}

} // namespace keel::config
