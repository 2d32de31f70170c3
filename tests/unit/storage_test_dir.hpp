// A fresh temporary directory per test, removed afterwards, and small helpers
// for the storage tests (tests/unit/storage_*.cpp): real RocksDB or the
// memory store, no mocks. The tests that hold for every kv_store run over
// both (test_stores, store_kinds).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "actors/storage/core/memory_store.hpp"
#include "actors/storage/engine/engine.hpp"

namespace keel::storage::test {

/// The directory that holds every temp_dir of this test process. A death test
/// in the "threadsafe" style runs its test again in a child process that
/// aborts, so the child's destructors never run and its directories would
/// outlive it (a RocksDB directory preallocates megabytes of log). The first
/// temp_dir of a process makes the root and names it in the environment; the
/// children inherit the name and make theirs inside it; the process that made
/// the root removes it, with what the children left, when it exits.
class temp_root {
public:
  static const std::filesystem::path& path() {
    static const temp_root root;
    return root.path_;
  }

private:
  static constexpr const char* env = "KEEL_TEST_TEMP_ROOT";

  temp_root() {
    if (const char* inherited = std::getenv(env); inherited && *inherited) {
      path_ = inherited;
      return;
    }
    auto pattern = (std::filesystem::temp_directory_path() / "keel-storage-XXXXXX").string();
    if (!mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp failed in " + pattern);
    path_ = pattern;
    owner_ = true;
    if (setenv(env, pattern.c_str(), 1) != 0)
      throw std::runtime_error("setenv failed");
  }
  ~temp_root() {
    if (!owner_)
      return;
    std::error_code ignored; // a test's leftovers must not fail the run
    std::filesystem::remove_all(path_, ignored);
  }

  std::filesystem::path path_;
  bool owner_ = false;
};

/// mkdtemp under temp_root; removed with everything in it.
class temp_dir {
public:
  temp_dir() {
    auto pattern = (temp_root::path() / "dir-XXXXXX").string();
    if (!mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp failed in " + pattern);
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ignored; // a test's leftovers must not fail the run
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

private:
  std::filesystem::path path_;
};

/// A fixture's first base, so that its directory exists before the members
/// that open stores in it and is removed after them.
struct dir_holder {
  temp_dir tmp;
};

/// For ASSERT_TRUE / EXPECT_TRUE on a storage result that must succeed: a
/// failure names the error.
template <class T>
::testing::AssertionResult succeeded(const result<T>& r) {
  if (r.ok())
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << to_string(r.error().code) << ": " << r.error().detail;
}

/// The value of a result that must succeed; the test fails with the error
/// otherwise and gets `fallback`.
template <class T>
T ok_or(result<T> r, T fallback = T{}) {
  if (r.ok())
    return std::move(r).value();
  ADD_FAILURE() << to_string(r.error().code) << ": " << r.error().detail;
  return fallback;
}

/// The code of a failed result; nullopt if it succeeded.
template <class T>
std::optional<errc> code_of(const result<T>& r) {
  if (r.ok())
    return std::nullopt;
  return r.error().code;
}

/// The engine of an open that must succeed; the test fails with the error otherwise.
inline std::unique_ptr<engine> opened_ok(engine::open_result result) {
  return ok_or(std::move(result));
}

/// The error of an open that must fail ("" and a test failure if it opened).
inline std::string open_failed(engine::open_result result, const std::string& where) {
  if (!result)
    return result.error().detail;
  ADD_FAILURE() << "open of " << where << " succeeded but should have failed";
  return "";
}

/// Opens a RocksDB engine that must open.
inline std::unique_ptr<engine> open_ok(const std::string& dir, const std::string& node = "n1",
                                       uint32_t shards = 4) {
  return opened_ok(open_rocks_engine(dir, node, shards));
}

/// The error of a RocksDB open that must fail.
inline std::string open_error(const std::string& dir, const std::string& node = "n1",
                              uint32_t shards = 4) {
  return open_failed(open_rocks_engine(dir, node, shards), dir);
}

/// Opens an engine on a memory store that must open.
inline std::unique_ptr<engine> open_memory_ok(std::shared_ptr<memory_store> store,
                                              const std::string& node = "n1", uint32_t shards = 4) {
  return opened_ok(engine::open(std::move(store), node, shards));
}

enum class store_kind { rocks, memory };

inline const store_kind store_kinds[] = {store_kind::rocks, store_kind::memory};

/// Parameter names for INSTANTIATE_TEST_SUITE_P: .../Rocks, .../Memory.
inline std::string store_name(const ::testing::TestParamInfo<store_kind>& info) {
  return info.param == store_kind::rocks ? "Rocks" : "Memory";
}

/// Stores of one kind by name: RocksDB directories under a temporary
/// directory, or memory stores kept as long as this object, so that opening a
/// name again finds what the last engine on it left (a restart on one disk).
class test_stores {
public:
  explicit test_stores(store_kind kind)
    : kind_(kind) {}

  store_kind kind() const { return kind_; }

  engine::open_result open(const std::string& name, const std::string& node = "n1",
                           uint32_t shards = 4) {
    if (kind_ == store_kind::rocks)
      return open_rocks_engine(tmp_.sub(name), node, shards);
    return engine::open(memory(name), node, shards);
  }

  std::unique_ptr<engine> open_ok(const std::string& name, const std::string& node = "n1",
                                  uint32_t shards = 4) {
    return opened_ok(open(name, node, shards));
  }

  std::string open_error(const std::string& name, const std::string& node = "n1",
                         uint32_t shards = 4) {
    return open_failed(open(name, node, shards), name);
  }

  /// The memory store of `name` (made on first use). REQUIRES: kind memory.
  std::shared_ptr<memory_store> memory(const std::string& name) {
    if (kind_ != store_kind::memory)
      throw std::logic_error("memory(): a test over RocksDB has no memory store");
    auto& store = memory_[name];
    if (!store)
      store = std::make_shared<memory_store>(name);
    return store;
  }

  /// A crash of the machine under `name`, whose engines are closed already.
  /// Memory: the unsynced commits after the last synced one are lost, except
  /// the first `keep_unsynced`. RocksDB: closing the engine was the crash of
  /// the process, which loses nothing RocksDB accepted; what a machine crash
  /// does to its files is covered by the torn write-ahead log test.
  void crash(const std::string& name, size_t keep_unsynced = 0) {
    if (kind_ == store_kind::memory)
      memory(name)->crash(keep_unsynced);
  }

  /// The bare kv_store of `name`, with no engine on it. A RocksDB store must
  /// be dropped before an engine opens the same name (RocksDB locks its directory).
  std::shared_ptr<kv_store> raw_store(const std::string& name) {
    if (kind_ == store_kind::memory)
      return memory(name);
    return ok_or(open_rocks_store(tmp_.sub(name)));
  }

  /// Where `name` lives on disk. REQUIRES: kind rocks.
  std::string dir(const std::string& name) const { return tmp_.sub(name); }

private:
  store_kind kind_;
  temp_dir tmp_;
  std::map<std::string, std::shared_ptr<memory_store>> memory_;
};

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
