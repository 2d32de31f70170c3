// cluster_config_hint: what a cluster.conf error suggests for a word it does not
// know: "did you mean 'election_ticks'?" for a near miss, else the known words.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace keel::config::parsing {

/// The words, comma separated.
std::string join(std::span<const std::string_view> words);

/// Levenshtein distance.
size_t edit_distance(std::string_view a, std::string_view b);

/// "did you mean 'x'?" when one known word is close to `word` (at most two
/// edits away, or a prefix either way), else "known <what>: a, b, c".
std::string hint(std::string_view word, std::span<const std::string_view> known,
                 std::string_view what);

} // namespace keel::config::parsing
