#include "actors/base/core/unsafe_switches.hpp"

#include "actors/base/core/comma_list.hpp"

namespace keel {

namespace {

struct named_switch {
  const char* name;
  bool unsafe_switches::*flag;
};

constexpr named_switch all_switches[] = {
  {"ack-before-commit", &unsafe_switches::ack_before_commit},
  {"skip-fsync", &unsafe_switches::skip_fsync},
  {"read-without-read-index", &unsafe_switches::read_without_read_index},
  {"apply-retries-twice", &unsafe_switches::apply_retries_twice},
};

} // namespace

std::string to_string(const unsafe_switches& s) {
  std::string out;
  for (const auto& sw : all_switches)
    if (s.*sw.flag)
      out += (out.empty() ? "" : ",") + std::string{sw.name};
  return out.empty() ? "none" : out;
}

result<unsafe_switches, std::string> parse_unsafe_switches(std::string_view text) {
  unsafe_switches s;
  for (auto word : comma_words(text)) {
    bool known = false;
    for (const auto& sw : all_switches)
      if (word == sw.name) {
        s.*sw.flag = true;
        known = true;
      }
    if (!known) {
      std::string valid;
      for (const auto& sw : all_switches)
        valid += (valid.empty() ? "" : ", ") + std::string{sw.name};
      return "unknown unsafe switch '" + std::string{word} + "' (valid: " + valid + ")";
    }
  }
  return s;
}

} // namespace keel
