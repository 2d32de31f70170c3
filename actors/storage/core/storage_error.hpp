// The storage layer's one error (docs/design.md, "Errors and assertions"): an
// expected failure of the storage core and engine is a storage::result<T>
// holding a storage_error; a broken invariant of theirs is a KEEL_ASSERT. Reads
// of the store are the one exception (a "let it crash" rule): a store that
// fails or holds damaged bytes under a read throws engine_error, which only the
// storage actor catches, ending itself with the error so that its shard
// supervisor restarts it from durable state. Pure, header-only.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include "actors/base/core/errors.hpp"

namespace keel::storage {

enum class errc : uint8_t {
  io,          // the store or the file system failed (an I/O error, a full disk)
  corrupt,     // stored bytes are damaged: a file, a record, a log entry
  foreign,     // the data is not this node's: another node, shard count or format
  invalid,     // an argument the storage cannot serve (zero shards, a client's bad request)
  compacted,   // a log index before the first index: only a snapshot has it
  unavailable, // a log index after the last index
};

constexpr const char* to_string(errc code) {
  switch (code) {
    case errc::io: return "io";
    case errc::corrupt: return "corrupt";
    case errc::foreign: return "foreign";
    case errc::invalid: return "invalid";
    case errc::compacted: return "compacted";
    case errc::unavailable: return "unavailable";
  }
  return "unknown";
}

/// What failed: the code for a caller that decides on it, and a sentence for
/// the user (naming the directory, file, shard or field at fault).
struct storage_error {
  errc code;
  std::string detail;
};

template <class T>
using result = keel::result<T, storage_error>;

/// The one exception of the storage layer: a read of the store failed (I/O
/// error, corruption) or a stored record does not parse. Thrown by reads only;
/// caught by the storage actor, which exits with it (and by engine::open,
/// which runs before any actor and turns it into its result).
class engine_error : public std::runtime_error {
public:
  explicit engine_error(storage_error error)
    : std::runtime_error(error.detail),
      error_(std::move(error)) {}

  const storage_error& error() const noexcept { return error_; }

private:
  storage_error error_;
};

} // namespace keel::storage
