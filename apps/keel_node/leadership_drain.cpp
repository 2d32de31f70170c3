#include "apps/keel_node/leadership_drain.hpp"

#include <thread>

#include "caf/all.hpp"

#include "actors/lookup.hpp"
#include "messages/type_ids.hpp"

namespace keel::node {

namespace {

// The replicas of `shards` on node `root` that currently lead their shard.
std::vector<replication::replica_api> leaders(caf::scoped_actor& self, const sup::directory& dir,
                                              const std::string& root,
                                              const std::vector<uint32_t>& shards) {
  std::vector<replication::replica_api> out;
  for (auto shard : shards) {
    auto replica = lookup::replica(dir, root, shard);
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

size_t drain_leadership(caf::actor_system& sys, const sup::directory& dir, const std::string& root,
                        const std::vector<uint32_t>& shards, std::chrono::milliseconds deadline) {
  caf::scoped_actor self{sys};
  auto until = std::chrono::steady_clock::now() + deadline;
  auto leading = leaders(self, dir, root, shards);
  for (auto& replica : leading)
    self->request(replica, std::chrono::milliseconds(500), transfer_atom_v, std::string{})
      .receive([](caf::ok_atom) {}, [](caf::error&) {});
  while (!leading.empty() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    leading = leaders(self, dir, root, shards);
  }
  return leading.size();
}

} // namespace keel::node
