// Seed corpus generation. Each harness knows how to encode real inputs in the
// format it decodes; run it with KEEL_FUZZ_WRITE_SEEDS=<dir> and it writes
// them there (one file per seed) and exits instead of fuzzing. scripts/fuzz.sh
// --seeds regenerates fuzz/corpus/<harness>/ this way.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace keel::fuzz {

using seed_list = std::vector<std::pair<std::string, std::string>>; // name, bytes

/// If KEEL_FUZZ_WRITE_SEEDS names a directory, writes make_seeds() there and exits.
template <class MakeSeeds>
void write_seeds_if_asked(MakeSeeds make_seeds) {
  const char* dir = std::getenv("KEEL_FUZZ_WRITE_SEEDS");
  if (dir == nullptr || *dir == '\0')
    return;
  for (const auto& [name, bytes] : make_seeds()) {
    std::string path = std::string{dir} + "/" + name;
    std::ofstream out{path, std::ios::binary | std::ios::trunc};
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "cannot write seed %s\n", path.c_str());
      std::exit(1);
    }
  }
  std::exit(0);
}

} // namespace keel::fuzz
