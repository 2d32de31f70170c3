#include "actors/storage/engine/wal_check.hpp"

#include <array>
#include <fstream>
#include <vector>

namespace keel::storage {

namespace {

// RocksDB db/log_format.h (unchanged since LevelDB, plus recyclable records).
constexpr size_t block_bytes = 32768;
constexpr size_t header_bytes = 7;             // crc(4) | length(2) | type(1)
constexpr size_t recyclable_header_bytes = 11; // ... | log number(4)
constexpr uint8_t zero_type = 0;               // preallocated, never written
constexpr uint8_t first_recyclable_type = 5;
constexpr uint8_t last_recyclable_type = 8;
constexpr uint8_t max_record_type = 9; // kSetCompressionType
constexpr uint32_t crc_mask_delta = 0xa282ead8u;

std::array<uint32_t, 256> make_crc32c_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 1) ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
    table[i] = crc;
  }
  return table;
}

uint32_t unmask(uint32_t masked) {
  uint32_t rot = masked - crc_mask_delta;
  return (rot >> 17) | (rot << 15);
}

uint32_t read_le32(const char* p) {
  uint32_t x = 0;
  for (int i = 3; i >= 0; --i)
    x = (x << 8) | static_cast<uint8_t>(p[i]);
  return x;
}

bool all_zero(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != 0)
      return false;
  return true;
}

std::string problem(const std::string& path, uint64_t offset, const std::string& what) {
  return "corrupt write-ahead log " + path + ": " + what + " (record at byte "
         + std::to_string(offset) + ")";
}

/// The outcome of checking one block.
enum class block_verdict { intact, torn_tail, corrupt };

/// Checks the records of one block. `block_start` is its offset in the file;
/// a block shorter than block_bytes is the last one.
block_verdict check_block(const std::string& path, const char* block, size_t n,
                          uint64_t block_start, std::string& error) {
  size_t pos = 0;
  while (pos < n) {
    if (block_bytes - pos < header_bytes)
      return block_verdict::intact; // block trailer: padding, never a record
    if (n - pos < header_bytes)
      return block_verdict::torn_tail; // the writer died inside a header
    const char* header = block + pos;
    uint32_t length = static_cast<uint8_t>(header[4])
                      | (static_cast<uint32_t>(static_cast<uint8_t>(header[5])) << 8);
    uint8_t type = static_cast<uint8_t>(header[6]);
    if (type == zero_type && length == 0) {
      // Preallocated space the writer never reached: RocksDB skips the rest of
      // the block; anything but zeros there is not from the writer.
      if (!all_zero(block + pos, n - pos)) {
        error = problem(path, block_start + pos, "non-zero bytes in unwritten space");
        return block_verdict::corrupt;
      }
      return block_verdict::intact;
    }
    if (type > max_record_type || type == zero_type) {
      error = problem(path, block_start + pos, "unknown record type " + std::to_string(type));
      return block_verdict::corrupt;
    }
    size_t header_size = (type >= first_recyclable_type && type <= last_recyclable_type)
                           ? recyclable_header_bytes
                           : header_bytes;
    if (pos + header_size + length > block_bytes) {
      error
        = problem(path, block_start + pos,
                  "length " + std::to_string(length) + " runs past the end of its 32 KiB block");
      return block_verdict::corrupt;
    }
    if (pos + header_size + length > n)
      return block_verdict::torn_tail; // only the last block can be short
    uint32_t expected = unmask(read_le32(header));
    uint32_t actual = crc32c_extend(0, std::string_view{header + 6, header_size - 6 + length});
    if (expected != actual) {
      error = problem(path, block_start + pos, "checksum mismatch");
      return block_verdict::corrupt;
    }
    pos += header_size + length;
  }
  return block_verdict::intact;
}

} // namespace

uint32_t crc32c_extend(uint32_t crc, std::string_view bytes) {
  static const auto table = make_crc32c_table();
  crc = ~crc;
  for (char c : bytes)
    crc = table[(crc ^ static_cast<uint8_t>(c)) & 0xff] ^ (crc >> 8);
  return ~crc;
}

result<void> check_wal_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return storage_error{errc::io, "cannot read write-ahead log " + path};
  std::vector<char> block(block_bytes);
  uint64_t block_start = 0;
  for (;;) {
    in.read(block.data(), static_cast<std::streamsize>(block_bytes));
    auto n = static_cast<size_t>(in.gcount());
    if (n == 0)
      break;
    std::string error;
    switch (check_block(path, block.data(), n, block_start, error)) {
      case block_verdict::corrupt: return storage_error{errc::corrupt, std::move(error)};
      case block_verdict::torn_tail:
        // Only a short (hence the last) block can end inside a record.
        return {};
      case block_verdict::intact: break;
    }
    if (n < block_bytes)
      break;
    block_start += n;
  }
  if (in.bad())
    return storage_error{errc::io, "cannot read write-ahead log " + path};
  return {};
}

} // namespace keel::storage
