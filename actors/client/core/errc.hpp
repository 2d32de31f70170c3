// Errors of setting up a client program, before anything is sent: its flags,
// its files and its cluster.conf (docs/design.md, "Errors and assertions").
// Each is a usage error to the user, shown as its one-line detail.
#pragma once

#include <string>

#include "actors/base/core/errors.hpp"

namespace keel::client {

/// Why a client cannot be set up as asked.
enum class errc {
  tls_flags,             ///< --cacert/--cert/--key incomplete, or given for a plaintext cluster
  unreadable_file,       ///< a file named by a flag cannot be read
  no_client_certificate, ///< a TLS cluster.conf without client_cert, and no flags
  bad_endpoints,         ///< a malformed --endpoints list
  bad_config,            ///< cluster.conf cannot be loaded
};

/// The code, and the one line the user sees.
struct setup_error {
  errc code;
  std::string detail;
};

/// keel::result (client::result is an operation's outcome).
template <class T>
using setup_result = keel::result<T, setup_error>;

} // namespace keel::client
