// keelctl help [TOPIC]: the manual pages of keelctl, for what --help has no
// room for (exit codes, output formats, watching, faults, a node that lost its
// data, completion). Plain text, 80 columns, kept in the binary so that the
// manual always matches the build.
#pragma once

#include <string>
#include <string_view>

namespace keel::keelctl {

/// The topic names, in the order `keelctl help` lists them, joined by `sep`.
std::string help_topic_names(std::string_view sep);

/// `keelctl help`: the list of topics with one line each. `keelctl help
/// TOPIC`: its page. nullptr for an unknown topic.
const char* help_page(std::string_view topic);

} // namespace keel::keelctl
