#include "apps/keelctl/report.hpp"

#include <cstdio>
#include <ostream>

namespace keel::keelctl {

int exit_code_of(client::outcome x) {
  switch (x) {
    case client::outcome::ok: return exit_done;
    case client::outcome::not_found:
    case client::outcome::cas_mismatch: return exit_negative;
    case client::outcome::invalid: return exit_usage;
    case client::outcome::unavailable: return exit_unavailable;
    case client::outcome::unknown: return exit_unknown;
  }
  return exit_unknown;
}

int fail(std::ostream& err, int code, std::string_view what) {
  std::string line{what};
  for (auto& c : line)
    if (c == '\n' || c == '\r')
      c = ' ';
  err << "keelctl: " << line << std::endl;
  return code;
}

std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string printable(std::string_view text) {
  constexpr size_t limit = 64;
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < limit; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f || c == '\\' || c == '\'') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += "'";
  if (text.size() > limit)
    out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

} // namespace keel::keelctl
