// node_process: one keel-node process, found through its PID file and /proc
// alone, started with its output appended to a file, and signalled only while
// /proc still shows the keel-node started for that node id: after a crash the
// kernel may hand the pid to an unrelated process.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "apps/launcher/process.hpp"

namespace keel::launcher {

enum class run_state { down, running, paused };

std::string_view to_string(run_state s);

/// One node's process as its PID file and /proc show it.
struct node_process {
  std::optional<pid_t> pid; // set iff state != down
  run_state state = run_state::down;
  bool stale_pid_file = false; // a PID file exists but names no live keel-node for the node
};

/// Whether `pid` runs keel-node for `node_id`: argv[0] names keel-node and the
/// arguments say --node <node_id> (or --node=<node_id>).
bool is_keel_node(pid_t pid, std::string_view node_id);

/// The process of node `node_id` whose PID file is `pid_file`.
node_process inspect(const std::string& pid_file, std::string_view node_id);

/// Whether the keel-node at `pid` has ended (its pid may already be reused).
/// Reaps it if it is our own child.
bool gone(pid_t pid, std::string_view node_id);

/// Sends `sig` after checking once more that `pid` is still the node's
/// keel-node; whether it was sent.
bool send_signal(pid_t pid, std::string_view node_id, int sig);

/// Removes `pid_file` if it still names `pid` (a node killed without warning
/// cannot remove its own, and a newer incarnation's file must stay).
void remove_own_pid_file(const std::string& pid_file, pid_t pid);

/// Starts `binary` (a keel-node) as `--config <config_path> --node <node_id>`
/// with stdout and stderr appended to `output` (see spawn_process). Returns its
/// pid, or why it could not be started.
result<pid_t> spawn_keel_node(const std::string& binary, const std::string& config_path,
                              const std::string& node_id, const std::string& output);

} // namespace keel::launcher
