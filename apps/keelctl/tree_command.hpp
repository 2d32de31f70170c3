// keelctl tree: the live supervision tree of one node, or of every node asked
// in parallel, as an indented tree or JSON.
#pragma once

#include <string>

#include "apps/keelctl/admin_answers.hpp"

namespace keel::keelctl {

/// The live supervision tree of `node` (a node id or host:port), or of every
/// node when it is empty.
int run_tree(const target& t, const std::string& node, const admin_io& io);

} // namespace keel::keelctl
