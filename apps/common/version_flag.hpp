// The one --version flag of every Keel binary: it prints
// "<tool> <version> (commit <commit>)" (messages/version.hpp) and exits 0,
// so that a benchmark or a bug report can name the build it ran.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "messages/version.hpp"

namespace keel {

inline void add_version_flag(CLI::App& app, const std::string& tool) {
  app.set_version_flag("--version", version_text(tool), "print the version and the build's commit");
}

} // namespace keel
