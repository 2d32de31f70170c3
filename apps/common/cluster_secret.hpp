// cluster_secret: the shared secret with which the nodes of a plaintext
// cluster prove to each other that they are members (and operators prove
// that they may inject faults). One file, [cluster] secret_file, default
// <data_dir>/cluster.secret: 64 hex characters (256 bits), mode 0600.
// `openssl rand -hex 32 > FILE` makes one by hand.
#pragma once

#include <string>

#include "actors/base/core/errors.hpp"

namespace keel::config {

/// Why the cluster secret cannot be had.
enum class secret_errc {
  unreadable,         ///< missing (and not to be created) or cannot be read
  cannot_create,      ///< missing, and writing a fresh one failed
  readable_by_others, ///< the file's mode lets others read it
  too_short,          ///< fewer than 32 bytes
};

/// The code, and the sentence that names the file and the fix.
struct secret_error {
  secret_errc code;
  std::string detail;
};

/// Reads the secret; with `create`, a missing file is first created with a
/// fresh random secret (atomically: of several nodes starting at once, one
/// creates it and all read the same). A file that others can read, or that
/// holds fewer than 32 bytes, is an error naming the file and the fix.
result<std::string, secret_error> load_cluster_secret(const std::string& path, bool create);

} // namespace keel::config
