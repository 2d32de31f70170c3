#include "actors/client/endpoint.hpp"

#include <charconv>

namespace keel::client {

std::string endpoint::address() const { return host + ":" + std::to_string(port); }

std::string endpoint::name() const { return node_id.empty() ? address() : node_id; }

namespace {

setup_error malformed(std::string why) { return {errc::bad_endpoints, std::move(why)}; }

} // namespace

setup_result<std::vector<endpoint>> parse_endpoints(std::string_view list) {
  std::vector<endpoint> out;
  while (true) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    auto colon = item.rfind(':');
    if (item.empty())
      return malformed("empty endpoint in the list (expected host:port,host:port,...)");
    if (colon == std::string_view::npos || colon == 0)
      return malformed("endpoint '" + std::string{item} + "' is not host:port");
    auto port_text = item.substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0
        || port > 65535)
      return malformed("endpoint '" + std::string{item} + "' has no valid port (1..65535)");
    out.push_back(endpoint{"", std::string{item.substr(0, colon)}, static_cast<uint16_t>(port)});
    if (comma == std::string_view::npos)
      return out;
    list.remove_prefix(comma + 1);
  }
}

} // namespace keel::client
