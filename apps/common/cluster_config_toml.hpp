// cluster_config_toml: reading one table of cluster.conf with toml++: typed
// settings with range checks, unknown keys refused, and every problem a
// config_error that names the line and the setting ("node[2].port"). What the
// tables and their settings are is cluster_config_schema's job.
//
// Every reader returns a result and its caller returns the first error as it
// comes (`if (!r) return r;`): the parse stops at the first problem, in file
// and check order. No reader throws (toml++ throws only for a syntax error,
// which parse_cluster_config catches around toml::parse).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "apps/common/cluster_config.hpp"

namespace keel::config::parsing {

/// A value read from cluster.conf, or where and why it is wrong.
template <class T>
using parsed = result<T, config_error>;

/// Success, or where and why cluster.conf is wrong.
using checked = result<void, config_error>;

/// The 1-based line where `n` starts.
uint32_t line_of(const toml::node& n);

/// "an integer", "a table", ...: what an error says a value was.
std::string_view type_name(const toml::node& n);

template <class... Ts>
std::string concat(const Ts&... xs) {
  std::ostringstream out;
  (out << ... << xs);
  return out.str();
}

/// `text` as an absolute, normalized path; a relative one is taken relative to
/// `base_dir`, so that a cluster.conf works from any working directory.
std::string absolute_path(const std::string& base_dir, const std::string& text);

/// A host name or an IPv4/IPv6 literal; no spaces, schemes or ports.
bool valid_host(std::string_view host);

/// One table of cluster.conf and the name errors give it ("timing", "node[2]").
/// Reading a setting checks its type and range; an absent setting reads as
/// nullopt.
class section {
public:
  /// `table` null: the section is absent, every setting takes its default.
  section(const toml::table* table, std::string name, const std::string& source);

  /// Line of the table itself ([timing] or [[node]]); 0 when it is absent.
  uint32_t line() const;

  /// Line of the setting's value; 0 when it is absent.
  uint32_t line(std::string_view key) const;

  bool has(std::string_view key) const;

  /// "timing.election_ticks".
  std::string setting(std::string_view key) const;

  /// The error `message` about `key`, at its line (the table's when it is absent).
  config_error error(std::string_view key, std::string message) const;

  /// Unknown keys are errors, reported in file order.
  checked reject_unknown_keys(std::span<const std::string_view> known) const;

  parsed<std::optional<int64_t>> integer(std::string_view key, int64_t min, int64_t max) const;
  parsed<std::optional<uint32_t>> u32(std::string_view key, uint32_t min, uint32_t max) const;
  /// A float setting also accepts an integer ("phi = 8").
  parsed<std::optional<double>> number(std::string_view key, double min, double max) const;
  parsed<std::optional<bool>> boolean(std::string_view key) const;
  parsed<std::optional<std::string>> string(std::string_view key) const;

  /// A path setting, made absolute against `base_dir` (the file's directory).
  parsed<std::optional<std::string>> path(std::string_view key, const std::string& base_dir) const;

  /// Success if the file at `path` (the value of `key`) can be opened for reading.
  checked require_readable(std::string_view key, const std::string& path) const;

  /// The value, or "is required" at the table's line when the setting is absent.
  template <class T>
  parsed<T> required(std::string_view key, parsed<std::optional<T>> value) const {
    if (!value)
      return std::move(value).error();
    if (!*value)
      return error(key, "is required");
    return std::move(**value);
  }

private:
  const toml::node* find(std::string_view key) const;

  const toml::table* table_; // null when the section is absent: all defaults
  std::string name_;
  const std::string& source_;
};

/// Stores a setting that is present in `out` (an absent one leaves the default
/// there), or passes its error on.
template <class T, class U>
checked assign(parsed<std::optional<T>> value, U& out) {
  if (!value)
    return std::move(value).error();
  if (*value)
    out = static_cast<U>(std::move(**value));
  return {};
}

} // namespace keel::config::parsing
