// keelctl completion bash: a bash completion script made from keelctl's own
// command-line definition (CLI11), so that it can never fall behind it:
// subcommands, their subcommands (fault crash, ...), every option, the
// values of -w and of cluster VERB, and the topics of keelctl help.
//   source <(keelctl completion bash)      # or save it to
//   /etc/bash_completion.d/keelctl
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace keel::keelctl {

/// Writes the script completing `app` (named `tool`) to `out`. `words` maps
/// an option or positional, by "<command path> <name>", to the words it
/// takes (e.g. "keelctl -w" -> table json simple).
void write_bash_completion(std::ostream& out, const CLI::App& app, const std::string& tool,
                           const std::vector<std::pair<std::string, std::string>>& words);

} // namespace keel::keelctl
