// cluster_verbs: whom `keelctl cluster` starts, stops or signals, and what it
// waits for; the process primitives below it (node_process, process,
// port_probe) do the POSIX work, cluster_render prints what happened.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "apps/common/cluster_config.hpp"
#include "apps/launcher/cluster_report.hpp"

namespace keel::launcher {

// keelctl's exit codes (docs/contract.md).
constexpr int exit_done = 0;
constexpr int exit_usage = 2;
constexpr int exit_unavailable = 3;

/// Runs one verb over some nodes of `cfg` and records what happened to each;
/// errors go to `err`, each starting with "keelctl cluster VERB: " and one line
/// that says what failed and what to do. Each verb returns an exit code.
class cluster_verbs {
public:
  cluster_verbs(const config::cluster_config& cfg, const std::string& config_path,
                const std::string& verb, const std::string& bin_dir, std::ostream& err);

  int up(const std::vector<const config::node_config*>& targets);
  int down(const std::vector<const config::node_config*>& targets);
  int status(const std::vector<const config::node_config*>& targets);
  /// kill, pause or resume (the verb given) one running node.
  int signal(const config::node_config& node);
  int restart(const config::node_config& node);

  const cluster_report& report() const { return reports_; }

private:
  struct starting {
    const config::node_config* node;
    pid_t pid;
    std::streamoff output_from; // where this run's output begins in keel-node.out
  };

  struct stopping {
    const config::node_config* node;
    pid_t pid;
  };

  std::string output_path(const config::node_config& node) const;
  std::ostream& error() const;
  bool binary_exists() const;
  void record(const config::node_config& node, std::string action);
  int not_running(const config::node_config& node, const node_process& p);
  int still_alive(const config::node_config& node, pid_t pid);
  void terminate(const config::node_config& node, pid_t pid);
  std::optional<starting> start(const config::node_config& node, const node_process& p);
  bool await_started(std::vector<starting> pending);
  bool await_stopped(std::vector<stopping> nodes);

  const config::cluster_config& cfg_;
  std::string config_path_; // absolute, as the nodes must find it from any directory
  std::string verb_;
  std::string binary_;
  std::ostream& err_;
  cluster_report reports_;
};

} // namespace keel::launcher
