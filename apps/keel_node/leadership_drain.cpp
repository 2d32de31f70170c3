#include "apps/keel_node/leadership_drain.hpp"

#include <thread>

#include "caf/all.hpp"

#include "messages/type_ids.hpp"
#include "supervisors/directory.hpp"

namespace keel::node {

namespace {

// The replicas among `paths` that currently lead their shard.
std::vector<caf::actor> leaders(caf::scoped_actor& self, const sup::directory& dir,
                                const std::vector<std::string>& paths) {
  std::vector<caf::actor> out;
  for (auto& path : paths) {
    auto replica = dir.get(path);
    if (!replica)
      continue;
    self->request(replica, std::chrono::milliseconds(500), status_atom_v)
      .receive(
        [&](pb<admin::ShardStatus>& st) {
          if (st->role() == "leader")
            out.push_back(replica);
        },
        [](caf::error&) { /* not answering: not leading anything we can hand over */ });
  }
  return out;
}

} // namespace

size_t drain_leadership(caf::actor_system& sys, const sup::directory& dir,
                        const std::vector<std::string>& replica_paths,
                        std::chrono::milliseconds deadline) {
  caf::scoped_actor self{sys};
  auto until = std::chrono::steady_clock::now() + deadline;
  auto leading = leaders(self, dir, replica_paths);
  for (auto& replica : leading)
    self->request(replica, std::chrono::milliseconds(500), transfer_atom_v, std::string{})
      .receive([](caf::ok_atom) {}, [](caf::error&) {});
  while (!leading.empty() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    leading = leaders(self, dir, replica_paths);
  }
  return leading.size();
}

} // namespace keel::node
