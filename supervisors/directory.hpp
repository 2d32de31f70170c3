// Stable paths to the current incarnations of supervised actors. Supervisors
// put a child under `<supervisor path>/<child id>` when it starts and erase it
// when it stops, so other actors of the node find a sibling again after a
// restart. Thread-safe: shared by every supervisor and reader of one node.
#pragma once

#include <map>
#include <shared_mutex>
#include <string>
#include <vector>

#include "caf/actor.hpp"
#include "caf/actor_addr.hpp"

namespace keel::sup {

/// Thread-safe map from supervision path (e.g. "/n1/storage/shard-2") to the
/// actor currently running there.
class directory {
public:
  /// Makes `path` name `hdl`, replacing what it named before.
  void put(const std::string& path, caf::actor hdl);

  /// Erases `path`, but only if it still names `only_if_this`: a stale erase
  /// (a late cleanup of an old incarnation) never removes its successor.
  void erase(const std::string& path, const caf::actor& only_if_this);

  /// Same as above, identifying the incarnation by its address.
  void erase(const std::string& path, const caf::actor_addr& only_if_this);

  /// The actor at `path`, or an invalid handle if none runs there.
  caf::actor get(const std::string& path) const;

  /// Every path, sorted.
  std::vector<std::string> paths() const;

private:
  mutable std::shared_mutex mtx_;
  std::map<std::string, caf::actor> entries_; // guarded by mtx_
};

} // namespace keel::sup
