// test_cluster: the cluster keel-jepsen tests. It writes a cluster.conf into
// the run's own directory (nodes on 127.0.0.1, ports the kernel showed free,
// fault injection on), starts, kills, pauses and resumes keel-node processes
// the way `keelctl cluster` does (apps/launcher: by PID file, checked against
// /proc, so only the processes of this cluster are signalled), and injects
// network faults and actor crashes through `keelctl fault`, the same command
// an operator uses. Everything the launcher and keelctl print is appended to
// <dir>/nemesis.out. The destructor stops every node it can still find, and
// take_down_all() does so for every cluster when keel-jepsen is interrupted.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "apps/common/cluster_config.hpp"

namespace keel::jepsen {

struct cluster_spec {
  size_t nodes = 3;
  uint32_t shards = 4;
  uint32_t replication = 3; // replicas per shard, at most `nodes`
  std::string dir;          // the run's directory: cluster.conf, data/, nemesis.out
  std::string bin_dir;      // where keel-node and keelctl are
  std::string log_level = "info";
  /// Written into the cluster.conf as they are (from the user's --config, or
  /// the defaults).
  config::timing_config timing;
  config::raft_config raft;
  config::limits_config limits;
};

class test_cluster {
public:
  /// Writes <dir>/cluster.conf and loads it back (the one parser of
  /// cluster.conf checks what was written). Nothing is started. `dir` must
  /// be new or empty.
  static std::unique_ptr<test_cluster> create(const cluster_spec& spec, std::string& error);

  ~test_cluster();
  test_cluster(const test_cluster&) = delete;
  test_cluster& operator=(const test_cluster&) = delete;

  const config::cluster_config& config() const { return cfg_; }
  const std::string& config_path() const { return config_path_; }
  const std::string& node_id(size_t i) const { return cfg_.nodes.at(i).id; }
  size_t size() const { return cfg_.nodes.size(); }

  /// A launcher verb (up, down, kill, pause, resume) on one node, or with
  /// `node` empty on every node (up, down). nullopt when it worked, else why
  /// not. "up" is refused once take_down_all() has been called.
  std::optional<std::string> launch(const std::string& verb, const std::string& node = "");

  /// Takes down every cluster that exists (created, not yet destroyed) and
  /// refuses to start a node of any of them from then on: what keel-jepsen
  /// does on SIGINT or SIGTERM, while its nemesis may be starting nodes, so
  /// that an interrupted run leaves no keel-node behind. Any thread; returns
  /// once they are down.
  static void take_down_all();

  /// Runs `keelctl --config <cluster.conf> --timeout 5000 args...` and waits
  /// for it (at most 20 s), up to keelctl_attempts times until it exits 0.
  /// nullopt when it did, else why not.
  std::optional<std::string> keelctl(const std::vector<std::string>& args);
  static constexpr int keelctl_attempts = 3;

  /// Waits (at most 10 s) until nothing accepts connections on node i's port
  /// and peer port any more, as after a kill; nullopt once so, else why not.
  std::optional<std::string> await_ports_closed(size_t i);

  /// kill -9 of node i, then await_ports_closed(i): down for certain, its
  /// directory free to change.
  std::optional<std::string> kill_and_await(size_t i);

  /// Moves node i's database (<node dir>/db) aside, as if its disk were lost
  /// while it was down. REQUIRES: node i is not running.
  std::optional<std::string> lose_data(size_t i);

  /// Puts back what lose_data(i) moved aside, dropping whatever the node
  /// wrote since: the directory as it was when the node last stopped, as an
  /// operator restores it. REQUIRES: node i is not running.
  std::optional<std::string> restore_data(size_t i);

  /// Appends one line to nemesis.out.
  void note(const std::string& line);

private:
  test_cluster() = default;
  std::optional<std::string> keelctl_once(const std::vector<std::string>& args);
  // REQUIRES: launch_mu_ held.
  std::optional<std::string> launch_locked(const std::string& verb, const std::string& node);
  void take_down_locked();

  config::cluster_config cfg_;
  cluster_spec spec_;
  std::string config_path_;
  // One launcher verb at a time, so that take_down_all() never runs between
  // a nemesis's "up" and the PID files it writes.
  std::mutex launch_mu_;
  std::mutex log_mu_;
  std::ofstream log_; // nemesis.out
};

} // namespace keel::jepsen
