// sim_run: the phases of one run (see the header): start, warm up, chaos,
// heal, final reads, convergence, checks.

#include "sim_run.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "../sim/sim_random.hpp"
#include "actors/client/kv_channel.hpp"
#include "actors/config/core/cluster_config.hpp"
#include "actors/node/node_tree.hpp"
#include "actors/paths.hpp"
#include "actors/security/core/trust.hpp"
#include "actors/storage/core/engine.hpp"
#include "actors/storage/core/memory_store.hpp"
#include "apps/history/linearizability.hpp"
#include "caf_gtest_dsl.hpp"
#include "keel_test_config.hpp"
#include "sim_client.hpp"
#include "sim_net.hpp"
#include "supervisors/directory.hpp"

namespace keel::nodesim {

namespace {

using namespace std::chrono_literals;
constexpr uint32_t step_ms = 10;
// Messages one step may take before the run counts as a livelock: actors that
// answer each other for ever without waiting for a timer never let virtual
// time advance. The busiest step of 2,300 seeds took 243.
constexpr size_t max_events_per_step = 100'000;
// A node dies after at most this many of a step's messages (most steps run
// fewer than 100).
constexpr size_t max_events_before_a_cut = 100;

config::cluster_config make_config(const sim_options& o) {
  config::cluster_config cfg;
  cfg.source = "nodesim";
  cfg.data_dir = "/nonexistent-nodesim";
  cfg.shards = o.shards;
  cfg.replication_factor = std::min<uint32_t>(3, o.nodes);
  // Small enough that some runs snapshot, compact and send snapshots.
  cfg.raft.snapshot_entries = 16;
  cfg.log_sync_thread = o.log_sync_thread;
  for (uint32_t i = 0; i < o.nodes; ++i) {
    config::node_config n;
    n.id = "n" + std::to_string(i + 1);
    n.host = "sim";
    n.port = static_cast<uint16_t>(7100 + i);
    n.peer_port = static_cast<uint16_t>(8100 + i);
    cfg.nodes.push_back(n);
  }
  return cfg;
}

std::shared_ptr<const security::trust> secret_trust() {
  auto t = security::trust::with_secret(std::string(32, 's'));
  return std::make_shared<security::trust>(*std::move(t));
}

struct sim_node {
  config::node_config self;
  std::shared_ptr<storage::memory_store> store;
  std::shared_ptr<storage::engine> engine;
  std::shared_ptr<sup::directory> dir;
  caf::actor root;
  caf::actor connector;
  bool up = false;
  uint64_t down_until_ms = 0;                  // while down: when it comes back
  std::shared_ptr<storage::memory_store> lost; // lose_data: the store set aside
};

class simulation {
public:
  explicit simulation(const sim_options& o)
    : opts_(o),
      cfg_(make_config(o)),
      trust_(secret_trust()),
      net_(std::make_shared<sim_net>(o.seed * 2654435761u + 17)),
      rng_(o.seed) {
    for (auto& n : cfg_.nodes) {
      sim_node node;
      node.self = n;
      node.store = std::make_shared<storage::memory_store>(n.id);
      nodes_.push_back(std::move(node));
      net_->node_of_port[n.peer_port] = n.id;
    }
    net_->gate_of = [this](const std::string& id) { return live(id, paths::peer_gate); };
    for (size_t i = 0; i < nodes_.size(); ++i)
      start(i);
  }

  ~simulation() {
    for (auto& n : nodes_) {
      if (n.up)
        caf::anon_send_exit(n.root, caf::exit_reason::kill);
      caf::anon_send_exit(n.connector, caf::exit_reason::kill);
    }
    for (auto& c : clients_)
      caf::anon_send_exit(c, caf::exit_reason::kill);
    if (channel_)
      caf::anon_send_exit(channel_, caf::exit_reason::kill);
    fx_.sched.run();
  }

  sim_result run();

private:
  caf::actor live(const std::string& id, std::string (*path_of)(const std::string&)) {
    for (auto& n : nodes_)
      if (n.self.id == id && n.up)
        return n.dir->get(path_of(paths::root(id)));
    return {};
  }

  void start(size_t i) {
    sim_node& n = nodes_[i];
    auto opened = storage::engine::open(n.store, n.self.id, cfg_.shards);
    if (!opened)
      throw std::runtime_error("node " + n.self.id
                               + " cannot open its store: " + opened.error().detail);
    n.engine = std::move(opened).value();
    if (opts_.planted_lying_syncs)
      n.store->make_syncs_lie();
    n.dir = std::make_shared<sup::directory>();
    n.connector = spawn_connector(fx_.sys, net_, n.self.id);
    node::node_tree_options to;
    to.storage_mode = storage::spawn_mode::scheduler;
    to.connector = n.connector;
    to.publish = false;
    to.unsafe.ack_before_commit = opts_.planted_early_write_ack;
    // The simulation's snapshots are a few hundred bytes: cut them into many
    // pieces, so that every one sent goes through the transports' staging
    // and acknowledgements, between the faults of the simulated network.
    to.snapshot_chunk_bytes = 64;
    n.root = node::spawn_node_tree(fx_.sys, cfg_, n.self, n.engine, n.dir, trust_, to);
    n.up = true;
  }

  /// The node's tree and its connections are gone; its store stays.
  void stop(size_t i) {
    sim_node& n = nodes_[i];
    caf::anon_send_exit(n.root, caf::exit_reason::kill);
    caf::anon_send_exit(n.connector, caf::exit_reason::kill);
    fx_.sched.run();
    n.up = false;
    n.root = nullptr;
    n.engine.reset();
  }

  /// The machine dies: its store takes no more writes from this instant, the
  /// tree is killed, and of the writes not synced yet the store keeps the
  /// first few or none (the seed decides how many).
  void kill(size_t i, uint64_t back_at_ms) {
    sim_node& n = nodes_[i];
    n.store->power_off(); // before the drain in stop(), which may still sync
    stop(i);
    size_t unsynced = n.store->unsynced_commits();
    size_t kept = unsynced ? rng_.pick(unsynced + 1) : 0;
    n.store->crash(kept);
    note("  its store keeps " + std::to_string(kept) + " of " + std::to_string(unsynced)
         + " unsynced commits");
    n.down_until_ms = back_at_ms;
  }

  /// Runs the first few of the messages due now (the seed decides how many),
  /// so that a fault strikes between two of them: in the middle of a flush
  /// and its fsync, or of an acknowledgement and the leader's commit.
  void run_part_of_a_step() { fx_.sched.run(rng_.pick(max_events_before_a_cut + 1)); }

  void step() {
    if (!livelock_) {
      size_t events = fx_.sched.run(max_events_per_step);
      busiest_step_ = std::max<uint64_t>(busiest_step_, events);
      if (events == max_events_per_step) {
        livelock_ = "livelock: more than " + std::to_string(max_events_per_step) + " messages at t="
                    + std::to_string(now_ms_) + " ms without virtual time advancing";
        note(*livelock_);
      }
    }
    fx_.sched.advance_time(std::chrono::milliseconds(step_ms));
    now_ms_ += step_ms;
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (!nodes_[i].up && nodes_[i].down_until_ms <= now_ms_) {
        note("node " + nodes_[i].self.id + " restarts on its store");
        start(i);
      }
    if (heal_at_ms_ && *heal_at_ms_ <= now_ms_) {
      net_->heal();
      heal_at_ms_.reset();
      note("network healed");
    }
  }

  void note(const std::string& what) {
    std::string line = "  t=" + std::to_string(now_ms_) + "ms " + what + "\n";
    faults_ += line;
    if (opts_.verbose)
      std::cout << line << std::flush;
  }

  size_t nodes_up() const {
    size_t up = 0;
    for (auto& n : nodes_)
      up += n.up ? 1 : 0;
    return up;
  }

  void inject_fault();
  void lose_data(sim_result& out);
  void spawn_clients(uint32_t count, uint32_t first_id, bool reads_only);
  bool run_until_clients_done(uint32_t expected, uint64_t max_ms);
  std::string compare_replicas();

  test_coordinator_fixture<test::keel_config> fx_;
  sim_options opts_;
  config::cluster_config cfg_;
  std::shared_ptr<const security::trust> trust_;
  std::shared_ptr<sim_net> net_;
  sim::sim_random rng_;
  std::vector<sim_node> nodes_;
  std::shared_ptr<sim_history> history_ = std::make_shared<sim_history>();
  std::vector<caf::actor> clients_;
  caf::actor channel_; // the clients' kv_channel (sim_client.hpp)
  uint64_t now_ms_ = 0;
  std::optional<uint64_t> heal_at_ms_;
  std::string faults_;
  std::optional<std::string> livelock_; // once set, the run stops
  uint64_t busiest_step_ = 0;           // the most messages one step took
};

void simulation::inject_fault() {
  auto pick_node = [&] { return rng_.pick(nodes_.size()); };
  switch (rng_.pick(6)) {
    case 0: { // a partition: one node alone, for a while
      size_t alone = pick_node();
      std::set<std::string> a{nodes_[alone].self.id}, b;
      for (auto& n : nodes_)
        if (n.self.id != nodes_[alone].self.id)
          b.insert(n.self.id);
      net_->partition(a, b);
      heal_at_ms_ = now_ms_ + rng_.between(200, 1500);
      note("partition: " + nodes_[alone].self.id
           + " alone until t=" + std::to_string(*heal_at_ms_));
      break;
    }
    case 1: { // lossy links
      net_->faults = {
        static_cast<uint32_t>(rng_.between(10, 200)), static_cast<uint32_t>(rng_.between(0, 100)),
        static_cast<uint32_t>(rng_.between(0, 500)), static_cast<uint32_t>(rng_.between(5, 80))};
      heal_at_ms_ = now_ms_ + rng_.between(200, 1500);
      note("lossy links: drop " + std::to_string(net_->faults.drop_permille) + "‰, duplicate "
           + std::to_string(net_->faults.duplicate_permille) + "‰, delay up to "
           + std::to_string(net_->faults.max_delay_ms)
           + " ms until t=" + std::to_string(*heal_at_ms_));
      break;
    }
    case 2:
    case 3: { // one actor crashes; its supervisor restarts it
      size_t i = pick_node();
      if (!nodes_[i].up)
        return;
      std::string root = paths::root(nodes_[i].self.id);
      auto shards = cfg_.shards_on(nodes_[i].self.id);
      uint32_t shard = shards.empty() ? 0 : shards[rng_.pick(shards.size())];
      std::vector<std::string> victims{paths::storage(root, shard), paths::replica(root, shard),
                                       paths::transport(root),      paths::membership(root),
                                       paths::service(root),        paths::shard(root, shard)};
      if (opts_.crash_gates)
        victims.push_back(paths::peer_gate(root));
      if (opts_.log_sync_thread) // the gate (and its worker, linked to it)
        victims.push_back(paths::log_syncer(root));
      std::string path = victims[rng_.pick(victims.size())];
      if (auto a = nodes_[i].dir->get(path)) {
        caf::anon_send_exit(a, caf::exit_reason::kill);
        note("crash " + path);
      }
      break;
    }
    case 4: { // a whole node dies, the rest keep a majority
      if (nodes_up() < nodes_.size())
        return;
      size_t i = pick_node();
      uint64_t back = now_ms_ + rng_.between(100, 1500);
      run_part_of_a_step();
      note("node " + nodes_[i].self.id + " dies until t=" + std::to_string(back));
      kill(i, back);
      break;
    }
    case 5: { // a power cut: a majority, or every node, dies at once
      if (nodes_up() < nodes_.size())
        return;
      // Raft's safety holds whatever crashes, as long as what a node reported
      // synced survives them; only its liveness needs a majority up.
      size_t dying = rng_.chance(500) ? nodes_.size() : nodes_.size() / 2 + 1;
      size_t first = pick_node();
      run_part_of_a_step();
      for (size_t k = 0; k < dying; ++k) // the same instant for all of them
        nodes_[(first + k) % nodes_.size()].store->power_off();
      for (size_t k = 0; k < dying; ++k) {
        size_t i = (first + k) % nodes_.size();
        uint64_t back = now_ms_ + rng_.between(100, 1500); // each comes back on its own
        note("power cut: node " + nodes_[i].self.id + " dies until t=" + std::to_string(back));
        kill(i, back);
      }
      break;
    }
  }
}

void simulation::spawn_clients(uint32_t count, uint32_t first_id, bool reads_only) {
  std::vector<std::string> keys, ids;
  for (uint32_t k = 0; k < opts_.keys; ++k)
    keys.push_back("k" + std::to_string(k));
  for (auto& n : nodes_)
    ids.push_back(n.self.id);
  if (!channel_)
    channel_ = client::spawn_kv_channel(fx_.sys);
  for (uint32_t c = 0; c < count; ++c) {
    client_config cc;
    cc.channel = channel_;
    cc.id = first_id + c;
    cc.seed = opts_.seed;
    cc.operations = reads_only ? opts_.keys : opts_.ops_per_client;
    cc.reads_only = reads_only;
    cc.keys = keys;
    cc.nodes = ids;
    cc.history = history_;
    cc.service_of = [this](const std::string& id) {
      return caf::actor_cast<service_api>(live(id, paths::service));
    };
    clients_.push_back(spawn_client(fx_.sys, std::move(cc)));
  }
}

bool simulation::run_until_clients_done(uint32_t expected, uint64_t max_ms) {
  for (uint64_t until = now_ms_ + max_ms; now_ms_ < until && !livelock_;) {
    if (history_->clients_done >= expected)
      return true;
    step();
  }
  return history_->clients_done >= expected;
}

/// One replica's state in a line: applied index, log time, data, sessions.
std::string render(const storage::ShardSnapshot& s) {
  std::string out = "applied " + std::to_string(s.applied_index()) + "/"
                    + std::to_string(s.applied_term()) + " log_time "
                    + std::to_string(s.log_time_ms()) + " data {";
  for (auto& kv : s.data())
    out += " " + kv.key() + "=" + kv.value();
  out += " } sessions " + std::to_string(s.sessions_size());
  return out;
}

std::string simulation::compare_replicas() {
  for (uint32_t shard = 0; shard < cfg_.shards; ++shard) {
    std::optional<storage::ShardSnapshot> first;
    std::string first_node;
    for (auto& id : cfg_.replicas_of(shard)) {
      for (auto& n : nodes_) {
        if (n.self.id != id || !n.engine)
          continue;
        auto snap = n.engine->export_shard(shard);
        if (!first) {
          first = snap;
          first_node = id;
        } else if (snap.SerializeAsString() != first->SerializeAsString()) {
          return "shard " + std::to_string(shard) + ": the replicas differ after healing\n  "
                 + first_node + ": " + render(*first) + "\n  " + id + ": " + render(snap);
        }
      }
    }
  }
  return {};
}

// A node dies, and its store is replaced by an empty one, as when a disk is
// lost; it comes back and runs on it while the clients go on, and must apply
// nothing there. Then it dies again and comes back on its old store.
void simulation::lose_data(sim_result& out) {
  size_t i = rng_.pick(nodes_.size());
  sim_node& n = nodes_[i];
  note("node " + n.self.id + " dies and comes back on an empty store");
  kill(i, now_ms_ + 100);
  n.lost = n.store;
  n.store = std::make_shared<storage::memory_store>(n.self.id);
  uint64_t until = now_ms_ + opts_.chaos_ms;
  while (now_ms_ < until && !livelock_) {
    step();
    if (!n.up)
      continue;
    ++out.steps_on_empty_store;
    for (auto shard : cfg_.shards_on(n.self.id))
      if (auto applied = n.engine->applied(shard).applied_index(); applied != 0 && out.ok) {
        out.ok = false;
        out.failure = "node " + n.self.id + " came back on an empty store and applied shard "
                      + std::to_string(shard) + " up to " + std::to_string(applied)
                      + ": its peers took it back";
      }
  }
  note("node " + n.self.id + " dies again and comes back on its old store");
  stop(i);
  n.store = std::move(n.lost);
  n.down_until_ms = now_ms_;
}

sim_result simulation::run() {
  sim_result out;
  for (int i = 0; i < 100; ++i) // elections
    step();
  spawn_clients(opts_.clients, 1, false);
  if (opts_.lose_data) {
    lose_data(out);
    if (!out.ok) { // what follows an emptied voter's return would only repeat it
      out.faults = faults_;
      return out;
    }
  }
  uint64_t chaos_end = now_ms_ + opts_.chaos_ms;
  while (now_ms_ < chaos_end && !livelock_) {
    if (opts_.faults && !heal_at_ms_ && rng_.chance(15))
      inject_fault();
    step();
  }
  net_->heal();
  heal_at_ms_.reset();
  note("chaos over: network healed");
  if (!run_until_clients_done(opts_.clients, 30'000) && !livelock_) {
    out.ok = false;
    out.failure = "liveness: the clients did not finish within 30 s of healing";
  }
  for (size_t i = 0; i < nodes_.size(); ++i) // everyone back for the comparison
    if (!nodes_[i].up)
      nodes_[i].down_until_ms = now_ms_;
  spawn_clients(1, opts_.clients + 1, true);
  if (out.ok && !run_until_clients_done(opts_.clients + 1, 30'000) && !livelock_) {
    out.ok = false;
    out.failure = "liveness: the final reads did not finish within 30 s";
  }
  if (livelock_) {
    out.ok = false;
    out.failure = *livelock_;
  }
  // Convergence: every replica applies what was committed.
  std::string diff;
  for (int i = 0; i < 500 && !livelock_; ++i) {
    step();
    if (i % 20 == 19 && (diff = compare_replicas()).empty())
      break;
  }
  out.operations = history_->ops.size();
  for (auto& op : history_->ops) // FNV-1a over the history: equal runs, equal hashes
    for (char c : history::describe(op))
      out.history_hash = (out.history_hash ^ static_cast<uint8_t>(c)) * 1099511628211ULL;
  for (auto& op : history_->ops)
    out.unknown += op.result == history::op_result::info ? 1 : 0;
  auto verdict = history::check_history(history_->ops);
  if (!verdict.ok()) {
    out.ok = false;
    out.failure += (out.failure.empty() ? "" : "\n") + history::explain(verdict);
  }
  if (!diff.empty()) {
    out.ok = false;
    out.failure += (out.failure.empty() ? "" : "\n") + diff;
  }
  out.faults = faults_;
  out.history = history_->ops;
  out.virtual_ms = now_ms_;
  out.messages_dropped = net_->dropped;
  out.messages_duplicated = net_->duplicated;
  out.messages_delayed = net_->delayed;
  out.busiest_step = busiest_step_;
  return out;
}

} // namespace

sim_result run_simulation(const sim_options& opts) {
  simulation sim{opts};
  return sim.run();
}

} // namespace keel::nodesim
