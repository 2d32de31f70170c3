// Gives every library at least one translation unit of its own and one place
// that states the version (the same as project()'s in CMakeLists.txt).
#include "messages/version.hpp"

#include <initializer_list>

#include <dlfcn.h>

namespace keel {
const char* version() { return "0.1.0"; }

std::string version_text(std::string_view program) {
  return std::string(program) + " " + version() + " (commit " + build_commit() + ")";
}

const char* malloc_name() {
  // Asked at run time rather than told by the build: LD_PRELOAD can swap the
  // allocator under a binary, and a metric should say what actually runs.
  struct probe {
    const char* symbol;
    const char* name;
  };
  for (auto [symbol, name] : {probe{"__asan_init", "asan"}, probe{"tc_version", "tcmalloc"},
                              probe{"mallctl", "jemalloc"}, probe{"mi_version", "mimalloc"}})
    if (dlsym(RTLD_DEFAULT, symbol) != nullptr)
      return name;
  return "glibc";
}
} // namespace keel
