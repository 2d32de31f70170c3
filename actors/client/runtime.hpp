// runtime: the CAF actor system that client sessions share, one per process.
#pragma once

#include <memory>

#include "caf/fwd.hpp"

#include "actors/client/options.hpp"

namespace keel::client {

/// The CAF actor system that sessions run on: the middleman (with the
/// transport options), with TLS also CAF's openssl module, Keel's message
/// types, the 'sharing' scheduler and no extra middleman workers (field guide
/// §5: about half the loopback latency). Create one per process and let every
/// session borrow it; a session keeps the system alive until it is destroyed,
/// so destroying the runtime first is safe. Thread-safe.
class runtime {
public:
  /// Throws std::invalid_argument when opts.tls names a CA but not both a
  /// certificate and a key (CAF would terminate the process instead).
  explicit runtime(const transport_options& opts = {});
  ~runtime();

  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// The actor system (for tests and embedders that spawn their own actors).
  caf::actor_system& system();

private:
  friend class session;
  struct impl;

  /// The system, owning what it needs (its config) for as long as a session
  /// holds it, past the runtime's own end.
  std::shared_ptr<caf::actor_system> shared_system() const;

  /// The kv_channel that every session of this runtime sends through, so
  /// that their requests to a node travel in batches.
  const caf::actor& channel() const;

  std::shared_ptr<impl> impl_;
};

} // namespace keel::client
