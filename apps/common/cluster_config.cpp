// cluster_config: parses and validates cluster.conf (TOML, read by toml++).
//
// One pass over a fixed schema (cluster_config_schema, cluster_config_nodes).
// Each section first rejects the keys it does not know (a typo must never fall
// back silently to a default, the trap of CAF's ini reader), then reads its
// settings with type and range checks (cluster_config_toml); the rules that
// relate several settings run last (cluster_config_security). The first
// problem ends the parse and is returned; toml++'s syntax exception is turned
// into a config_error here, where it is thrown.

#include "apps/common/cluster_config.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "apps/common/cluster_config_schema.hpp"
#include "apps/common/cluster_config_security.hpp"
#include "apps/common/cluster_config_toml.hpp"

namespace keel::config {

namespace fs = std::filesystem;
using parsing::concat;

std::string config_error::to_string() const {
  auto out = source;
  if (line > 0)
    out.append(":").append(std::to_string(line));
  out.append(": ");
  if (!setting.empty())
    out.append(setting).append(": ");
  return out.append(message);
}

parse_result parse_cluster_config(std::string_view text, std::string source,
                                  const std::string& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view{source});
  } catch (const toml::parse_error& e) { // toml++ reports syntax errors only by throwing
    return config_error{
      source, static_cast<uint32_t>(e.source().begin.line), "",
      concat("TOML syntax error at column ", e.source().begin.column, ": ", e.description())};
  }
  cluster_config cfg;
  cfg.source = std::move(source);
  if (auto r = parsing::read_settings(root, base_dir, cfg); !r)
    return r.error();
  if (auto r = parsing::check_security(root, cfg); !r)
    return r.error();
  return cfg;
}

parse_result load_cluster_config(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return config_error{path, 0, "", "is a directory, not a cluster.conf file"};
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return config_error{
      path, 0, "",
      concat("cannot open: ", std::strerror(errno), " (pass --config FILE to name another file)")};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return config_error{path, 0, "", concat("cannot read: ", std::strerror(errno))};
  auto base_dir = fs::absolute(fs::path{path}, ec).parent_path().string();
  return parse_cluster_config(text.str(), path, base_dir);
}

} // namespace keel::config
