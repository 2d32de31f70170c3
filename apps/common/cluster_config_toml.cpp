#include "apps/common/cluster_config_toml.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "apps/common/cluster_config_hint.hpp"

namespace keel::config::parsing {

namespace fs = std::filesystem;

uint32_t line_of(const toml::node& n) { return static_cast<uint32_t>(n.source().begin.line); }

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time: return "a date/time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string absolute_path(const std::string& base_dir, const std::string& text) {
  fs::path p{text};
  if (p.is_relative())
    p = fs::absolute(fs::path{base_dir} / p);
  p = p.lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path())
    p = p.parent_path(); // "data/" -> "data"
  return p.string();
}

section::section(const toml::table* table, std::string name, const std::string& source)
  : table_(table),
    name_(std::move(name)),
    source_(source) {}

uint32_t section::line() const { return table_ ? line_of(*table_) : 0; }

uint32_t section::line(std::string_view key) const {
  auto* n = find(key);
  return n ? line_of(*n) : 0;
}

bool section::has(std::string_view key) const { return find(key) != nullptr; }

std::string section::setting(std::string_view key) const { return name_ + "." + std::string{key}; }

config_error section::error(std::string_view key, std::string message) const {
  auto at = line(key);
  return config_error{source_, at ? at : line(), setting(key), std::move(message)};
}

checked section::reject_unknown_keys(std::span<const std::string_view> known) const {
  if (!table_)
    return {};
  const toml::key* first = nullptr;
  for (auto&& [key, value] : *table_) {
    bool is_known = std::find(known.begin(), known.end(), key.str()) != known.end();
    if (!is_known && (!first || key.source().begin.line < first->source().begin.line))
      first = &key;
  }
  if (first)
    return config_error{source_, static_cast<uint32_t>(first->source().begin.line),
                        setting(first->str()),
                        "unknown setting; " + hint(first->str(), known, "settings")};
  return {};
}

parsed<std::optional<int64_t>> section::integer(std::string_view key, int64_t min,
                                                int64_t max) const {
  auto* n = find(key);
  if (!n)
    return std::optional<int64_t>{};
  auto* v = n->as_integer();
  if (!v)
    return error(key, concat("must be an integer (got ", type_name(*n), ")"));
  auto x = v->get();
  if (x < min || x > max)
    return error(key, concat("must be between ", min, " and ", max, " (got ", x, ")"));
  return std::optional{x};
}

parsed<std::optional<uint32_t>> section::u32(std::string_view key, uint32_t min,
                                             uint32_t max) const {
  auto x = integer(key, min, max);
  if (!x)
    return std::move(x).error();
  return *x ? std::optional{static_cast<uint32_t>(**x)} : std::nullopt;
}

parsed<std::optional<double>> section::number(std::string_view key, double min, double max) const {
  auto* n = find(key);
  if (!n)
    return std::optional<double>{};
  double x;
  if (auto* f = n->as_floating_point())
    x = f->get();
  else if (auto* i = n->as_integer())
    x = static_cast<double>(i->get());
  else
    return error(key, concat("must be a number (got ", type_name(*n), ")"));
  if (!(x >= min && x <= max)) // also rejects nan
    return error(key, concat("must be between ", min, " and ", max, " (got ", x, ")"));
  return std::optional{x};
}

parsed<std::optional<bool>> section::boolean(std::string_view key) const {
  auto* n = find(key);
  if (!n)
    return std::optional<bool>{};
  auto* v = n->as_boolean();
  if (!v)
    return error(key, concat("must be true or false (got ", type_name(*n), ")"));
  return std::optional{v->get()};
}

parsed<std::optional<std::string>> section::string(std::string_view key) const {
  auto* n = find(key);
  if (!n)
    return std::optional<std::string>{};
  auto* v = n->as_string();
  if (!v)
    return error(key, concat("must be a string (got ", type_name(*n), ")"));
  return std::optional{v->get()};
}

parsed<std::optional<std::string>> section::path(std::string_view key,
                                                 const std::string& base_dir) const {
  auto text = string(key);
  if (!text || !*text)
    return text;
  if ((*text)->empty())
    return error(key, "must not be empty");
  return std::optional{absolute_path(base_dir, **text)};
}

checked section::require_readable(std::string_view key, const std::string& path) const {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return error(key, "'" + path + "' is a directory, not a file");
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return error(key, concat("cannot read '", path, "': ", std::strerror(errno)));
  return {};
}

const toml::node* section::find(std::string_view key) const {
  return table_ ? table_->get(key) : nullptr;
}

bool valid_host(std::string_view host) {
  return !host.empty() && host.size() <= 253 && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
           || c == '-' || c == ':' || c == '_';
  });
}

} // namespace keel::config::parsing
