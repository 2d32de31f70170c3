// cluster_config_toml: reading one table of cluster.conf with toml++: typed
// settings with range checks, unknown keys refused, and every problem a
// config_error that names the line and the setting ("node[2].port"). What the
// tables and their settings are is cluster_config_schema's job.
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

/// One table of cluster.conf and the name errors give it ("timing", "node[2]").
/// Reading a setting checks its type and range and throws config_error (caught
/// in parse_cluster_config, never leaves the parser) on the first problem. An
/// absent setting reads as nullopt.
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

  [[noreturn]] void fail(std::string_view key, std::string message) const;

  /// Unknown keys are errors, reported in file order.
  void reject_unknown_keys(std::span<const std::string_view> known) const;

  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max) const;
  std::optional<uint32_t> u32(std::string_view key, uint32_t min, uint32_t max) const;
  /// A float setting also accepts an integer ("phi = 8").
  std::optional<double> number(std::string_view key, double min, double max) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<std::string> string(std::string_view key) const;

  /// A path setting, made absolute against `base_dir` (the file's directory).
  std::optional<std::string> path(std::string_view key, const std::string& base_dir) const;

  /// Fails unless the file at `path` (the value of `key`) can be opened for reading.
  void require_readable(std::string_view key, const std::string& path) const;

  /// Fails with "is required" at the table's line when the setting is absent.
  template <class T>
  T required(std::string_view key, std::optional<T> value) const {
    if (!value)
      fail(key, "is required");
    return std::move(*value);
  }

private:
  const toml::node* find(std::string_view key) const;

  const toml::table* table_; // null when the section is absent: all defaults
  std::string name_;
  const std::string& source_;
};

} // namespace keel::config::parsing
