// cluster_command: `keelctl cluster up|down|status|kill|pause|resume|restart`,
// which runs the local cluster that cluster.conf describes as keel-node
// processes on this machine. Called by keelctl's main and by keel-bench
// failover (kill, up).
//
// Processes are found through their PID files alone, and a pid is signalled only
// while /proc shows a live keel-node started for that node id: after a crash
// the kernel may hand the pid to an unrelated process (node_process.hpp).
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include "apps/common/cluster_config.hpp"

namespace keel {

/// The verbs of `keelctl cluster`, in the order its help lists them.
inline constexpr std::string_view cluster_verb_names[]
  = {"up", "down", "status", "kill", "pause", "resume", "restart"};

/// Runs one `keelctl cluster` verb on `cfg`, the config loaded from
/// `config_path`, and returns keelctl's exit code.
///
/// Verbs (`node` empty means every node, where a node is optional):
///  - `up [NODE]`: start each node that is not running (`<bin_dir>/keel-node
///    --config <absolute config_path> --node ID` in its own session, stdout and
///    stderr appended to <node_dir>/keel-node.out), then wait up to 15 s until
///    each one's PID file names it and its host:port (the client port) accepts
///    TCP connections. A node whose port or peer_port already accepts
///    connections before it starts is not started (something else listens).
///  - `down [NODE]`: SIGTERM, up to 10 s for a clean exit, then SIGKILL;
///    removes stale PID files.
///  - `status [NODE]`: pid, running / paused / down, and whether the port and
///    the peer_port accept connections; a PID file naming no live keel-node
///    shows as stale.
///  - `kill NODE` (SIGKILL), `pause NODE` (SIGSTOP), `resume NODE` (SIGCONT).
///  - `restart NODE`: stop as `down` does, then start as `up` does.
/// With `json`, `out` gets one JSON object: {"verb": ..., "nodes": [{"id",
/// "host", "port", "peer_port", "pid" (or null), "state" ("running", "paused",
/// "down"), "port_open", "peer_port_open", "stale_pid_file", and for the verbs
/// that act, "action"}]}.
/// Errors go to `err`, each starting with one line that says what failed and
/// what to do.
///
/// Exit codes (docs/contract.md): 0 done; 2 usage error, nothing done (unknown
/// verb or node, NODE missing, no keel-node binary in `bin_dir`); 3 unavailable
/// (a node exited during start-up or did not come up in time, its port or
/// peer_port is taken by another process, it did not stop even after SIGKILL, or the target of
/// kill / pause / resume is not running).
int run_cluster_command(const config::cluster_config& cfg, const std::string& config_path,
                        const std::string& verb, const std::string& node,
                        const std::string& bin_dir, bool json, std::ostream& out,
                        std::ostream& err);

} // namespace keel
