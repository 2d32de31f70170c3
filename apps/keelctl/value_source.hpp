// value_source: where `keelctl put` takes its value from when it is not the
// VALUE argument: `put KEY -` reads standard input, `put KEY --file F` a file
// (a value larger than the shell's argument limit cannot be written
// otherwise). Reads at most one byte more than the cluster's limit, so an
// oversized value is refused without being held in memory whole.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>

#include "apps/keelctl/target.hpp"

namespace keel::keelctl {

/// All of `in` (binary, any bytes), or errc::value_too_long when it holds
/// more than `limit` bytes. `what` names the source in the message ("on
/// standard input", "in file F").
result<std::string, input_error> read_value(std::istream& in, size_t limit,
                                            const std::string& what);

/// The value limit reads are bounded by: cluster.conf's limits.max_value_bytes,
/// or without a file the largest limit a cluster may set (64 MiB).
size_t value_limit(const target& t);

} // namespace keel::keelctl
