// The one place that states Keel's version and the build's malloc
// (messages/version.cpp).
#pragma once

#include <string>
#include <string_view>

namespace keel {
const char* version();

/// The git commit this binary was built from, 12 hex digits, with "-dirty-"
/// and 8 hex digits of the uncommitted changes' SHA-1 when tracked files had
/// any; "unknown" outside a git checkout (cmake/BuildCommit.cmake writes it
/// at every build).
const char* build_commit();

/// What `--version` prints: "keel-node 0.1.0 (commit 0123456789ab)".
std::string version_text(std::string_view program);

/// Which malloc this process runs, read off the process itself (a symbol
/// that only that allocator exports): "tcmalloc" (keel-node links
/// gperftools' tcmalloc unless built with KEEL_MALLOC=system), "jemalloc",
/// "mimalloc", "asan" (a sanitizer build), else "glibc".
const char* malloc_name();
} // namespace keel
