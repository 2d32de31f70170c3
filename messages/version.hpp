// The one place that states Keel's version and the build's malloc
// (messages/version.cpp).
#pragma once

namespace keel {
const char* version();

/// Which malloc this process runs, read off the process itself (a symbol
/// that only that allocator exports): "tcmalloc" (keel-node links
/// gperftools' tcmalloc unless built with KEEL_MALLOC=system), "jemalloc",
/// "mimalloc", "asan" (a sanitizer build), else "glibc".
const char* malloc_name();
} // namespace keel
