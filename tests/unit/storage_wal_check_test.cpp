// wal_check: CRC-32C against its published check value, and the record walk
// over real RocksDB write-ahead logs: intact, torn at the tail, damaged inside.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "actors/storage/engine/wal_check.hpp"
#include "storage_test_dir.hpp"

namespace {

using namespace keel::storage;
using keel::storage::test::files_ending;
using keel::storage::test::open_ok;
using keel::storage::test::succeeded;
using keel::storage::test::temp_dir;
namespace fs = std::filesystem;

/// Writes `n` synced single-put batches and returns the write-ahead log.
fs::path make_wal(const temp_dir& tmp, int n, size_t value_bytes) {
  auto dir = tmp.sub("n1");
  auto db = open_ok(dir);
  for (int i = 0; i < n; ++i) {
    auto batch = db->make_batch();
    batch.put(0, "k" + std::to_string(i), std::string(value_bytes, 'v'));
    EXPECT_TRUE(succeeded(db->commit(batch, true)));
  }
  db.reset();
  return files_ending(dir, ".log").front();
}

void flip_byte(const fs::path& file, std::uintmax_t offset) {
  std::fstream f{file, std::ios::in | std::ios::out | std::ios::binary};
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x5a));
}

TEST(StorageWalCheck, Crc32cMatchesTheCastagnoliCheckValue) {
  EXPECT_EQ(crc32c_extend(0, "123456789"), 0xe3069283u);
  EXPECT_EQ(crc32c_extend(crc32c_extend(0, "1234"), "56789"), 0xe3069283u);
}

TEST(StorageWalCheck, IntactLogSpanningBlocksPasses) {
  temp_dir tmp;
  auto wal = make_wal(tmp, 30, 5000); // ~150 KB: records cross 32 KiB blocks
  ASSERT_GT(fs::file_size(wal), 4u * 32768u);
  EXPECT_TRUE(succeeded(check_wal_file(wal.string())));
}

TEST(StorageWalCheck, TornTailPasses) {
  temp_dir tmp;
  auto wal = make_wal(tmp, 30, 5000);
  for (std::uintmax_t cut : {1, 5, 100, 3000}) {
    fs::resize_file(wal, fs::file_size(wal) - cut);
    EXPECT_TRUE(succeeded(check_wal_file(wal.string()))) << "cut " << cut;
  }
}

TEST(StorageWalCheck, FlippedByteInsideIsNamedWithItsOffset) {
  temp_dir tmp;
  auto wal = make_wal(tmp, 30, 5000);
  flip_byte(wal, fs::file_size(wal) / 2);
  auto checked = check_wal_file(wal.string());
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code, errc::corrupt);
  const auto& problem = checked.error().detail;
  EXPECT_NE(problem.find(wal.string()), std::string::npos) << problem;
  EXPECT_NE(problem.find("checksum mismatch"), std::string::npos) << problem;
}

TEST(StorageWalCheck, ImplausibleRecordLengthIsNotATornTail) {
  temp_dir tmp;
  auto wal = make_wal(tmp, 1, 10);
  // A full-type record header claiming 40000 bytes cannot fit its block.
  std::fstream f{wal, std::ios::in | std::ios::out | std::ios::binary};
  f.seekp(4);
  f.put(static_cast<char>(40000 & 0xff));
  f.put(static_cast<char>(40000 >> 8));
  f.put(1);
  f.close();
  auto checked = check_wal_file(wal.string());
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().detail.find("32 KiB block"), std::string::npos)
    << checked.error().detail;
}

} // namespace
