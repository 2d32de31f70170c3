#include "supervisors/directory.hpp"

#include <mutex>

namespace keel::sup {

// Handles leave the map under the lock but are released after it: dropping
// the last strong reference to an actor terminates it (unreachable), and its
// cleanup may come back here (a supervisor erases its paths when it ends).

void directory::put(const std::string& path, caf::actor hdl) {
  std::unique_lock guard{mtx_};
  std::swap(entries_[path], hdl);
  guard.unlock();
}

void directory::erase(const std::string& path, const caf::actor& only_if_this) {
  erase(path, only_if_this.address());
}

void directory::erase(const std::string& path, const caf::actor_addr& only_if_this) {
  caf::actor released;
  std::unique_lock guard{mtx_};
  auto i = entries_.find(path);
  if (i != entries_.end() && i->second.address() == only_if_this) {
    released = std::move(i->second);
    entries_.erase(i);
  }
  guard.unlock();
}

caf::actor directory::get(const std::string& path) const {
  std::shared_lock guard{mtx_};
  auto i = entries_.find(path);
  return i != entries_.end() ? i->second : caf::actor{};
}

std::vector<std::string> directory::paths() const {
  std::shared_lock guard{mtx_};
  std::vector<std::string> result;
  result.reserve(entries_.size());
  for (const auto& entry : entries_)
    result.push_back(entry.first);
  return result;
}

} // namespace keel::sup
