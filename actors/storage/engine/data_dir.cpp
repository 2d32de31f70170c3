#include "actors/storage/engine/data_dir.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>

#include "actors/storage/engine/wal_check.hpp"

namespace fs = std::filesystem;

namespace keel::storage::data_dir {

namespace {

/// The regular files directly in `dir`, sorted by name. Throws
/// fs::filesystem_error (which names the path) if the directory cannot be read.
std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator{dir})
    files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

/// "CURRENT (16 bytes), MANIFEST-000005 (160 bytes), ..." (at most 12 names).
std::string listing(const std::vector<fs::path>& files) {
  constexpr size_t max_listed = 12;
  std::string out;
  for (size_t i = 0; i < files.size() && i < max_listed; ++i) {
    if (!out.empty())
      out += ", ";
    out += files[i].filename().string();
    std::error_code ec;
    auto size = fs::file_size(files[i], ec);
    if (!ec)
      out += " (" + std::to_string(size) + " bytes)";
  }
  if (files.size() > max_listed)
    out += ", and " + std::to_string(files.size() - max_listed) + " more";
  return out;
}

/// The first table file of `dir` that RocksDB cannot open or whose block
/// checksums do not match, with the reason.
std::optional<std::string> find_damaged_table(const std::vector<fs::path>& files) {
  for (const auto& file : files) {
    if (file.extension() != ".sst")
      continue;
    rocksdb::SstFileReader reader{rocksdb::Options{}};
    auto status = reader.Open(file.string());
    if (status.ok())
      status = reader.VerifyChecksum();
    if (!status.ok())
      return "corrupt table file " + file.string() + ": " + status.ToString();
  }
  return std::nullopt;
}

} // namespace

result<kind> classify(const std::string& dir) {
  auto refuse = [](errc code, std::string why) { return storage_error{code, std::move(why)}; };
  try {
    fs::path path{dir};
    if (!fs::exists(path)) {
      fs::create_directories(path);
      return kind::fresh;
    }
    if (!fs::is_directory(path))
      return refuse(errc::io, "data directory " + dir + " is not a directory");
    auto files = files_in(path);
    if (files.empty())
      return kind::fresh;
    if (fs::exists(path / "CURRENT"))
      return kind::existing;
    return refuse(errc::foreign,
                  "not a keel data directory: " + dir + " holds " + std::to_string(files.size())
                    + " files (" + listing(files)
                    + ") but no RocksDB CURRENT file; refusing to start on it (restore the "
                      "directory, or move it away to start this node empty)");
  } catch (const fs::filesystem_error& e) {
    return refuse(errc::io, "cannot use data directory " + dir + ": " + e.what());
  }
}

result<void> check_write_ahead_logs(const std::string& dir) {
  try {
    for (const auto& file : files_in(dir))
      if (file.extension() == ".log")
        if (auto checked = check_wal_file(file.string()); !checked)
          return checked;
    return {};
  } catch (const fs::filesystem_error& e) {
    return storage_error{errc::io, "cannot read data directory " + dir + ": " + e.what()};
  }
}

storage_error explain_open_failure(const std::string& dir, errc code,
                                   const std::string& rocksdb_error) {
  auto cannot_open = "cannot open data directory " + dir + ": " + rocksdb_error;
  std::vector<fs::path> files;
  try {
    files = files_in(dir);
  } catch (const fs::filesystem_error& e) {
    return {code, cannot_open + " (" + e.what() + ")"};
  }
  if (auto damaged = find_damaged_table(files))
    return {errc::corrupt, *damaged + " (RocksDB reported: " + rocksdb_error + ")"};
  if (rocksdb_error.find(dir) != std::string::npos)
    return {code, cannot_open};
  return {code, cannot_open + "; the directory holds: " + listing(files)};
}

} // namespace keel::storage::data_dir
