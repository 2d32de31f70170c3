#include "apps/keel_jepsen/nemesis.hpp"

#include <algorithm>
#include <thread>

#include "apps/keel_bench/cluster_view.hpp"
#include "apps/keel_bench/cluster_watch.hpp"
#include "apps/keel_bench/monotonic_clock.hpp"

namespace keel::jepsen {

namespace {

using bench::monotonic_ns;

// Sleeps until the monotonic time `t_ns` or until `stop` is set; whether
// the time came (not stopped).
bool sleep_until(uint64_t t_ns, const std::atomic<bool>& stop) {
  for (;;) {
    if (stop.load())
      return false;
    auto now = monotonic_ns();
    if (now >= t_ns)
      return true;
    auto left = std::min<uint64_t>(t_ns - now, 50'000'000);
    std::this_thread::sleep_for(std::chrono::nanoseconds{left});
  }
}

// Every node index that is not in `side`.
std::vector<size_t> others(const std::vector<size_t>& side, size_t nodes) {
  std::vector<size_t> out;
  for (size_t i = 0; i < nodes; ++i)
    if (std::find(side.begin(), side.end(), i) == side.end())
      out.push_back(i);
  return out;
}

// Collects the paths of the actors below the root of a node's tree.
void collect_paths(const admin::ActorInfo& a, bool is_root, std::vector<std::string>& out) {
  if (!is_root && a.running())
    out.push_back(a.path());
  for (const auto& c : a.children())
    collect_paths(c, false, out);
}

} // namespace

nemesis::nemesis(test_cluster& cluster, client::runtime& rt, client::options opts)
  : cluster_(cluster),
    session_(rt, std::move(opts)) {}

std::string nemesis::names(const std::vector<size_t>& nodes) const {
  std::string out;
  for (auto i : nodes)
    out += (out.empty() ? "" : " ") + cluster_.node_id(i);
  return out;
}

std::optional<size_t> nemesis::leader_of_shard(uint32_t shard) {
  auto leader = bench::leader_of(shard, bench::poll_status(session_));
  if (!leader)
    return std::nullopt;
  for (size_t i = 0; i < cluster_.size(); ++i)
    if (cluster_.node_id(i) == *leader)
      return i;
  return std::nullopt;
}

std::optional<std::string> nemesis::cut(const std::vector<size_t>& side,
                                        const std::vector<size_t>& other) {
  // A partition rule drops both directions on the node that holds it.
  for (auto a : side)
    for (auto b : other)
      if (auto failed
          = cluster_.keelctl({"fault", "partition", cluster_.node_id(a), cluster_.node_id(b)}))
        return failed;
  return std::nullopt;
}

std::optional<std::string> nemesis::heal_network() { return cluster_.keelctl({"fault", "heal"}); }

std::optional<std::string> nemesis::crash_some_actor(size_t node, uint64_t pick,
                                                     std::string& what) {
  auto endpoint = session_.find_endpoint(cluster_.node_id(node));
  if (!endpoint)
    return "node " + cluster_.node_id(node) + " is not among the endpoints";
  auto tree = session_.tree(*endpoint);
  if (!tree.ok())
    return "the tree of " + cluster_.node_id(node) + " did not come: " + tree.error;
  std::vector<std::string> paths;
  collect_paths(tree.value->root(), true, paths);
  if (paths.empty())
    return "node " + cluster_.node_id(node) + " has no actor below its root";
  auto path = paths[pick % paths.size()];
  what += (what.empty() ? "crash " : ", ") + path;
  return cluster_.keelctl({"fault", "crash", cluster_.node_id(node), path});
}

// Whether some other node says it refused `node` for having lost its data
// (what keelctl members prints beside it).
bool nemesis::refused_by_a_peer(size_t node) {
  const auto& id = cluster_.node_id(node);
  for (const auto& view : session_.members_all()) {
    if (!view.ok() || view.value->node_id() == id)
      continue;
    for (const auto& p : view.value->nodes())
      if (p.node_id() == id
          && p.last_error().find("came back with data directory incarnation") != std::string::npos)
        return true;
  }
  return false;
}

// The node goes down, its database is taken away, and it comes back empty:
// it must be refused for the whole fault (security/core/peer_incarnations.hpp).
void nemesis::lose_data(fault_record& r, const std::atomic<bool>& stop, uint64_t heal_at_ns) {
  auto x = r.plan.nodes.front();
  const auto& id = cluster_.node_id(x);
  r.what = "lose the data directory of " + id;
  auto failed = cluster_.launch("kill", id);
  r.injected_ns = monotonic_ns(); // recovery counts from the kill, as for kill
  if (!failed)
    failed = cluster_.await_ports_closed(x);
  if (!failed)
    failed = cluster_.lose_data(x);
  if (!failed)
    failed = cluster_.launch("up", id);
  if (failed) {
    r.error = "inject: " + *failed;
    return;
  }
  bool refused = false;
  while (!stop.load() && !(refused = refused_by_a_peer(x)) && monotonic_ns() < heal_at_ns)
    sleep_until(std::min<uint64_t>(monotonic_ns() + 200'000'000, heal_at_ns), stop);
  if (refused)
    r.what += "; its peers refused it when it came back empty";
  else if (!stop.load())
    r.violation = id + " came back with an empty data directory and no peer refused it";
}

void nemesis::inject(fault_record& r, const std::atomic<bool>& stop, uint64_t heal_at_ns) {
  const auto& f = r.plan;
  auto n = cluster_.size();
  std::optional<std::string> failed;
  auto leader_node = [&](const char* verb) -> size_t {
    auto shard = static_cast<uint32_t>(f.pick % cluster_.config().shards);
    if (auto l = leader_of_shard(shard)) {
      r.what = std::string{verb} + " " + cluster_.node_id(*l) + " (leader of shard "
               + std::to_string(shard) + ")";
      return *l;
    }
    auto any = static_cast<size_t>(f.pick % n);
    r.what = std::string{verb} + " " + cluster_.node_id(any) + " (no leader of shard "
             + std::to_string(shard) + " was known)";
    return any;
  };
  // The fault is in effect once its first action is done (a keelctl call
  // takes a while): that is when recovery starts to count.
  auto in_effect = [&r] {
    if (r.injected_ns == 0)
      r.injected_ns = monotonic_ns();
  };
  switch (f.kind) {
    case fault_kind::kill:
    case fault_kind::kill_majority:
      r.what = "kill " + names(f.nodes);
      for (auto i : f.nodes)
        if (!failed)
          failed = cluster_.launch("kill", cluster_.node_id(i));
      break;
    case fault_kind::kill_leader:
      failed = cluster_.launch("kill", cluster_.node_id(leader_node("kill")));
      break;
    case fault_kind::pause:
      r.what = "pause " + names(f.nodes);
      failed = cluster_.launch("pause", cluster_.node_id(f.nodes.front()));
      break;
    case fault_kind::partition:
      r.what = "partition " + names(f.nodes) + " | " + names(others(f.nodes, n));
      failed = cut(f.nodes, others(f.nodes, n));
      break;
    case fault_kind::isolate_leader: {
      auto l = leader_node("isolate");
      failed = cut({l}, others({l}, n));
      break;
    }
    case fault_kind::bridge: {
      std::vector<size_t> half(f.nodes.begin() + 1, f.nodes.end());
      auto rest = others(f.nodes, n);
      r.what = "bridge " + names(half) + " | " + names(rest) + " through "
               + cluster_.node_id(f.nodes.front());
      failed = cut(half, rest);
      break;
    }
    case fault_kind::flap: {
      r.what = "flap " + names(f.nodes) + " | " + names(others(f.nodes, n));
      int flips = 0;
      while (!failed && !stop.load() && monotonic_ns() + 700'000'000 < heal_at_ns) {
        failed = cut(f.nodes, others(f.nodes, n));
        in_effect();
        if (!failed && sleep_until(monotonic_ns() + 700'000'000, stop))
          failed = heal_network();
        if (!failed)
          sleep_until(std::min(monotonic_ns() + 700'000'000, heal_at_ns), stop);
        ++flips;
      }
      r.what += " (" + std::to_string(flips) + " times)";
      break;
    }
    case fault_kind::loss:
      r.what = "drop 30 % between every pair";
      for (size_t a = 0; a < n && !failed; ++a)
        for (size_t b = a + 1; b < n && !failed; ++b)
          failed
            = cluster_.keelctl({"fault", "drop", cluster_.node_id(a), cluster_.node_id(b), "30"});
      break;
    case fault_kind::delay: {
      auto ms = std::to_string(50 + f.pick % 151);
      auto x = f.nodes.front();
      r.what = "delay " + cluster_.node_id(x) + " <-> others by " + ms + " ms";
      for (auto y : others({x}, n))
        if (!failed)
          failed
            = cluster_.keelctl({"fault", "delay", cluster_.node_id(x), cluster_.node_id(y), ms});
      break;
    }
    case fault_kind::crash: {
      auto node = f.nodes.front();
      failed = crash_some_actor(node, f.pick, r.what);
      in_effect();
      // A second crash halfway through, while the first one's restart settles.
      if (!failed && sleep_until(r.injected_ns + (heal_at_ns - r.injected_ns) / 2, stop))
        failed = crash_some_actor(node, f.pick >> 20, r.what);
      r.what += " on " + cluster_.node_id(node);
      break;
    }
    case fault_kind::restart_all:
      r.what = "kill every node, restart them all";
      for (size_t i = 0; i < n && !failed; ++i)
        failed = cluster_.launch("kill", cluster_.node_id(i));
      in_effect();
      // SIGKILL is asynchronous: a node starting before its predecessor's
      // sockets are closed finds its port taken.
      for (size_t i = 0; i < n && !failed; ++i)
        failed = cluster_.await_ports_closed(i);
      if (!failed)
        failed = cluster_.launch("up");
      break;
    case fault_kind::lose_data: return lose_data(r, stop, heal_at_ns);
  }
  in_effect();
  if (failed)
    r.error = "inject: " + *failed;
}

void nemesis::heal(fault_record& r) {
  std::optional<std::string> failed;
  switch (r.plan.kind) {
    case fault_kind::pause:
      failed = cluster_.launch("resume", cluster_.node_id(r.plan.nodes.front()));
      break;
    case fault_kind::partition:
    case fault_kind::isolate_leader:
    case fault_kind::bridge:
    case fault_kind::flap:
    case fault_kind::loss:
    case fault_kind::delay: failed = heal_network(); break;
    case fault_kind::lose_data: {
      // Its directory back as it was when it stopped: it is admitted again.
      auto x = r.plan.nodes.front();
      failed = cluster_.kill_and_await(x);
      if (!failed)
        failed = cluster_.restore_data(x);
      break;
    }
    default: break;
  }
  // Killed nodes come back; so does any node a crash took down with it.
  if (!failed)
    failed = cluster_.launch("up");
  r.healed_ns = monotonic_ns();
  if (failed)
    r.error += (r.error.empty() ? "" : "; ") + ("heal: " + *failed);
}

std::vector<fault_record> nemesis::run(const std::vector<planned_fault>& plan, uint64_t start_ns,
                                       const std::atomic<bool>& stop) {
  std::vector<fault_record> done;
  for (const auto& f : plan) {
    if (!sleep_until(start_ns + f.start_ms * 1'000'000, stop))
      break;
    fault_record r;
    r.plan = f;
    uint64_t heal_at = start_ns + f.heal_ms * 1'000'000;
    inject(r, stop, heal_at);
    cluster_.note("fault " + std::string{to_string(f.kind)} + ": " + r.what
                  + (r.error.empty() ? "" : " -- " + r.error)
                  + (r.violation.empty() ? "" : " -- VIOLATION: " + r.violation));
    sleep_until(heal_at, stop);
    heal(r);
    done.push_back(std::move(r));
  }
  return done;
}

std::optional<std::string> nemesis::heal_all() {
  for (size_t i = 0; i < cluster_.size(); ++i)
    cluster_.launch("resume", cluster_.node_id(i)); // fails harmlessly when not paused
  if (auto failed = cluster_.launch("up"))
    return failed;
  return heal_network();
}

} // namespace keel::jepsen
