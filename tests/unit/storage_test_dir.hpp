// A fresh temporary directory per test, removed afterwards, and small helpers
// for the storage tests (tests/unit/storage_*.cpp): real RocksDB, no mocks.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "actors/storage/engine/engine.hpp"

namespace keel::storage::test {

/// mkdtemp under the system temp directory; removed with everything in it.
class temp_dir {
public:
  temp_dir() {
    auto pattern = (std::filesystem::temp_directory_path() / "keel-storage-XXXXXX").string();
    if (!mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

private:
  std::filesystem::path path_;
};

/// Opens an engine that must open; the test fails with the error otherwise.
inline std::unique_ptr<engine> open_ok(const std::string& dir, const std::string& node = "n1",
                                       uint32_t shards = 4) {
  auto result = engine::open(dir, node, shards);
  if (auto* error = std::get_if<std::string>(&result)) {
    ADD_FAILURE() << "open failed: " << *error;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<engine>>(result));
}

/// The error of an open that must fail ("" and a test failure if it opened).
inline std::string open_error(const std::string& dir, const std::string& node = "n1",
                              uint32_t shards = 4) {
  auto result = engine::open(dir, node, shards);
  if (auto* error = std::get_if<std::string>(&result))
    return *error;
  ADD_FAILURE() << "open of " << dir << " succeeded but should have failed";
  return "";
}

/// Overwrites a file with deterministic garbage of the same size (at least 64 bytes).
inline void overwrite_with_garbage(const std::filesystem::path& file, unsigned seed = 7) {
  auto size = std::max<std::uintmax_t>(std::filesystem::file_size(file), 64);
  std::ofstream out{file, std::ios::binary | std::ios::trunc};
  for (std::uintmax_t i = 0; i < size; ++i)
    out.put(static_cast<char>((i * 131 + seed * 17) & 0xff));
}

/// The files of `dir` whose name ends in `suffix`, largest first.
inline std::vector<std::filesystem::path> files_ending(const std::filesystem::path& dir,
                                                       const std::string& suffix) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator{dir}) {
    auto name = entry.path().filename().string();
    if (name.size() >= suffix.size()
        && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::filesystem::file_size(a) > std::filesystem::file_size(b);
  });
  return out;
}

} // namespace keel::storage::test
