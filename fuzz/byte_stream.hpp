// byte_reader / byte_writer: how the structured harnesses (raft_step,
// client_request) turn fuzz input into operations, and how their seed writers
// produce inputs in the same format. Everything is read front to back (unlike
// FuzzedDataProvider, which takes integers from the tail), so a seed is simply
// the writer's calls in the order the harness reads them. A reader that runs
// dry yields zeros and empty strings: every input is a valid program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace keel::fuzz {

class byte_reader {
public:
  byte_reader(const uint8_t* data, size_t size)
    : data_(data),
      size_(size) {}

  bool empty() const { return pos_ >= size_; }

  uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }

  uint16_t u16() {
    uint16_t lo = u8();
    return static_cast<uint16_t>(lo | (uint16_t{u8()} << 8));
  }

  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= uint64_t{u8()} << (8 * i);
    return v;
  }

  bool flag() { return (u8() & 1) != 0; }

  /// Up to n bytes (fewer at the end of the input).
  std::string bytes(size_t n) {
    size_t left = pos_ < size_ ? size_ - pos_ : 0;
    size_t take = n < left ? n : left;
    std::string out(reinterpret_cast<const char*>(data_ + pos_), take);
    pos_ += take;
    return out;
  }

  /// A string with a one-byte length prefix.
  std::string short_string() { return bytes(u8()); }

  /// A string with a two-byte length prefix.
  std::string long_string() { return bytes(u16()); }

  /// A value near `base`: the fuzzer finds "the current term plus one" or "the
  /// last index" without guessing 64-bit numbers, and can still send any value.
  uint64_t near(uint64_t base) {
    uint8_t mode = u8();
    uint64_t delta = mode >> 2;
    switch (mode & 3) {
      case 0: return base + delta;
      case 1: return base >= delta ? base - delta : 0;
      case 2: return delta;
      default: return u64();
    }
  }

private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

/// Writes what byte_reader reads; used only to build seed inputs.
class byte_writer {
public:
  byte_writer& u8(uint8_t v) {
    out_.push_back(static_cast<char>(v));
    return *this;
  }
  byte_writer& u16(uint16_t v) { return u8(v & 0xff).u8(v >> 8); }
  byte_writer& u64(uint64_t v) {
    for (int i = 0; i < 8; ++i)
      u8(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  byte_writer& flag(bool v) { return u8(v ? 1 : 0); }
  byte_writer& raw(const std::string& s) {
    out_ += s;
    return *this;
  }
  byte_writer& short_string(const std::string& s) {
    return u8(static_cast<uint8_t>(s.size())).raw(s);
  }
  byte_writer& long_string(const std::string& s) {
    return u16(static_cast<uint16_t>(s.size())).raw(s);
  }
  /// base + delta (delta < 64), as near() reads it.
  byte_writer& plus(uint8_t delta) { return u8(static_cast<uint8_t>(delta << 2)); }
  /// base - delta (delta < 64).
  byte_writer& minus(uint8_t delta) { return u8(static_cast<uint8_t>((delta << 2) | 1)); }
  /// The absolute value v (v < 64).
  byte_writer& small(uint8_t v) { return u8(static_cast<uint8_t>((v << 2) | 2)); }
  /// Any 64-bit value.
  byte_writer& any(uint64_t v) { return u8(3).u64(v); }

  const std::string& str() const { return out_; }

private:
  std::string out_;
};

} // namespace keel::fuzz
