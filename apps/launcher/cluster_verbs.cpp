#include "apps/launcher/cluster_verbs.hpp"

#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>

#include <signal.h> // NOLINT(modernize-deprecated-headers): POSIX kill(), not in <csignal>
#include <unistd.h>

#include "apps/common/pid_file.hpp"
#include "apps/launcher/port_probe.hpp"
#include "apps/launcher/process.hpp"

namespace keel::launcher {
namespace {

namespace fs = std::filesystem;
using config::node_config;
using std::chrono::seconds;

constexpr auto start_deadline = seconds{15};
constexpr auto term_deadline = seconds{10};  // for a clean shutdown, then SIGKILL
constexpr auto kill_deadline = seconds{5};   // for the kernel to end a SIGKILLed process
constexpr auto signal_deadline = seconds{2}; // for SIGSTOP / SIGCONT to take effect
constexpr size_t startup_output_lines = 20;

std::string peer_address(const node_config& node) {
  return node.host + ":" + std::to_string(node.peer_port);
}

/// The node's client port: a node is up once its client service accepts.
bool client_port_open(const node_config& node) { return port_open(node.host, node.port); }

bool peer_port_open(const node_config& node) { return port_open(node.host, node.peer_port); }

std::string local_time_now() {
  auto now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%d %H:%M:%S");
  return out.str();
}

} // namespace

cluster_verbs::cluster_verbs(const config::cluster_config& cfg, const std::string& config_path,
                             const std::string& verb, const std::string& bin_dir, std::ostream& err)
  : cfg_(cfg),
    config_path_(fs::absolute(config_path).lexically_normal().string()),
    verb_(verb),
    binary_(fs::absolute(fs::path{bin_dir} / "keel-node").lexically_normal().string()),
    err_(err) {}

int cluster_verbs::up(const std::vector<const node_config*>& targets) {
  if (!binary_exists())
    return exit_usage;
  bool ok = true;
  std::vector<starting> spawned;
  for (auto* node : targets) {
    auto p = inspect(cfg_.pid_file_path(node->id), node->id);
    if (p.state != run_state::down) {
      record(*node, "already running");
      continue;
    }
    if (auto s = start(*node, p))
      spawned.push_back(*s);
    else
      ok = false;
  }
  return await_started(std::move(spawned)) && ok ? exit_done : exit_unavailable;
}

int cluster_verbs::down(const std::vector<const node_config*>& targets) {
  std::vector<stopping> signalled;
  for (auto* node : targets) {
    auto p = inspect(cfg_.pid_file_path(node->id), node->id);
    if (p.state == run_state::down) {
      if (p.stale_pid_file)
        remove_pid_file(cfg_.pid_file_path(node->id));
      record(*node, p.stale_pid_file ? "removed stale PID file" : "not running");
      continue;
    }
    terminate(*node, *p.pid);
    signalled.push_back({node, *p.pid});
  }
  return await_stopped(std::move(signalled)) ? exit_done : exit_unavailable;
}

int cluster_verbs::status(const std::vector<const node_config*>& targets) {
  for (auto* node : targets)
    record(*node, "");
  return exit_done;
}

int cluster_verbs::signal(const node_config& node) {
  auto p = inspect(cfg_.pid_file_path(node.id), node.id);
  if (p.state == run_state::down)
    return not_running(node, p);
  pid_t pid = *p.pid;
  if (verb_ == "kill") {
    send_signal(pid, node.id, SIGKILL);
    if (!poll_until(steady::now() + kill_deadline, [&] { return gone(pid, node.id); }))
      return still_alive(node, pid);
    remove_own_pid_file(cfg_.pid_file_path(node.id), pid);
    record(node, "killed");
  } else if (verb_ == "pause") {
    send_signal(pid, node.id, SIGSTOP);
    poll_until(steady::now() + signal_deadline, [&] { return process_stopped(pid); });
    record(node, "paused");
  } else {
    send_signal(pid, node.id, SIGCONT);
    poll_until(steady::now() + signal_deadline, [&] { return !process_stopped(pid); });
    record(node, "resumed");
  }
  return exit_done;
}

int cluster_verbs::restart(const node_config& node) {
  if (!binary_exists())
    return exit_usage;
  auto p = inspect(cfg_.pid_file_path(node.id), node.id);
  bool was_running = p.state != run_state::down;
  if (was_running) {
    terminate(node, *p.pid);
    if (!await_stopped({{&node, *p.pid}}))
      return exit_unavailable;
    p = inspect(cfg_.pid_file_path(node.id), node.id);
  }
  auto s = start(node, p);
  if (!s || !await_started({*s}))
    return exit_unavailable;
  record(node, was_running ? "restarted" : "started (was not running)");
  return exit_done;
}

std::string cluster_verbs::output_path(const node_config& node) const {
  return (fs::path{cfg_.node_dir(node.id)} / "keel-node.out").string();
}

std::ostream& cluster_verbs::error() const { return err_ << "keelctl cluster " << verb_ << ": "; }

bool cluster_verbs::binary_exists() const {
  if (fs::is_regular_file(binary_) && ::access(binary_.c_str(), X_OK) == 0)
    return true;
  error() << "no executable keel-node at " << binary_
          << "; build it first (cmake --build <build dir> --target keel-node)\n";
  return false;
}

/// Re-inspects `node` and records its state after `action`.
void cluster_verbs::record(const node_config& node, std::string action) {
  auto p = inspect(cfg_.pid_file_path(node.id), node.id);
  auto index = static_cast<size_t>(&node - cfg_.nodes.data());
  reports_[index]
    = node_report{&node, std::move(action), p, client_port_open(node), peer_port_open(node)};
}

int cluster_verbs::not_running(const node_config& node, const node_process& p) {
  error() << node.id << " is not running"
          << (p.stale_pid_file ? " (its PID file names no live keel-node)" : "")
          << "; start it with `keelctl cluster up " << node.id << "`\n";
  record(node, "not running");
  return exit_unavailable;
}

int cluster_verbs::still_alive(const node_config& node, pid_t pid) {
  error() << node.id << " (pid " << pid << ") is still alive after SIGKILL; "
          << "check `ps -o stat,cmd -p " << pid << "` (a process in state D waits for I/O)\n";
  record(node, "did not stop");
  return exit_unavailable;
}

/// SIGTERM, plus SIGCONT so that a paused node wakes up to handle it.
void cluster_verbs::terminate(const node_config& node, pid_t pid) {
  send_signal(pid, node.id, SIGTERM);
  send_signal(pid, node.id, SIGCONT);
}

/// Spawns keel-node for a node that is down; nullopt (error printed) if it
/// cannot be started.
std::optional<cluster_verbs::starting> cluster_verbs::start(const node_config& node,
                                                            const node_process& p) {
  if (p.stale_pid_file)
    remove_pid_file(cfg_.pid_file_path(node.id));
  // Otherwise the probe below could mistake the squatter for our node (client
  // port), or the node would fail to publish its peer gate (peer port).
  struct listener {
    std::string address;
    std::string_view setting;
    bool open;
  };
  for (const auto& l : {listener{client_address(node), "port", client_port_open(node)},
                        listener{peer_address(node), "peer_port", peer_port_open(node)}}) {
    if (l.open) {
      error() << node.id << ": " << l.address << " (its " << l.setting
              << ") already accepts connections, but keel-node " << node.id
              << " is not running; stop what listens there or change the " << l.setting << " in "
              << config_path_ << "\n";
      record(node, "not started");
      return std::nullopt;
    }
  }
  auto dir = cfg_.node_dir(node.id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  auto out_path = output_path(node);
  {
    std::ofstream marker{out_path, std::ios::app};
    marker << "--- " << local_time_now() << " keelctl cluster " << verb_ << ": starting keel-node "
           << node.id << " ---\n";
    if (ec || !marker.flush()) {
      error() << "cannot write " << out_path << ": " << (ec ? ec.message() : std::strerror(errno))
              << "; check that the data directory is writable\n";
      record(node, "not started");
      return std::nullopt;
    }
  }
  auto output_from = static_cast<std::streamoff>(fs::file_size(out_path, ec));
  auto spawned = spawn_keel_node(binary_, config_path_, node.id, out_path);
  if (!spawned) {
    error() << spawned.error().detail << "\n";
    record(node, "not started");
    return std::nullopt;
  }
  return starting{&node, *spawned, output_from};
}

/// Waits until each node's PID file names it and its port accepts
/// connections. Returns false if any exited or did not come up in time.
bool cluster_verbs::await_started(std::vector<starting> pending) {
  bool all_up = true;
  poll_until(steady::now() + start_deadline, [&] {
    std::erase_if(pending, [&](const starting& s) {
      if (auto status = reap(s.pid)) {
        error() << s.node->id << " exited during start-up (" << describe_exit(*status)
                << "); the end of " << output_path(*s.node) << ":\n"
                << output_tail(output_path(*s.node), s.output_from, startup_output_lines);
        remove_own_pid_file(cfg_.pid_file_path(s.node->id), s.pid);
        record(*s.node, "exited during start-up");
        all_up = false;
        return true;
      }
      if (read_pid_file(cfg_.pid_file_path(s.node->id)) == s.pid && client_port_open(*s.node)) {
        record(*s.node, "started");
        return true;
      }
      return false;
    });
    return pending.empty();
  });
  for (auto& s : pending) {
    error() << s.node->id << " (pid " << s.pid << ") did not accept connections on "
            << client_address(*s.node) << " within " << start_deadline.count()
            << " s; it may still be starting: see " << output_path(*s.node)
            << ", or stop it with `keelctl cluster down " << s.node->id << "`\n";
    record(*s.node, "start timed out");
    all_up = false;
  }
  return all_up;
}

/// After SIGTERM: waits for each node to exit, SIGKILLs the ones that
/// outlive term_deadline. Returns false if any survives even SIGKILL.
bool cluster_verbs::await_stopped(std::vector<stopping> nodes) {
  auto exited = [&](const stopping& s) {
    if (!gone(s.pid, s.node->id))
      return false;
    remove_own_pid_file(cfg_.pid_file_path(s.node->id), s.pid);
    record(*s.node, "stopped");
    return true;
  };
  poll_until(steady::now() + term_deadline, [&] {
    std::erase_if(nodes, exited);
    return nodes.empty();
  });
  for (auto& s : nodes)
    send_signal(s.pid, s.node->id, SIGKILL);
  poll_until(steady::now() + kill_deadline, [&] {
    std::erase_if(nodes, [&](const stopping& s) {
      if (!exited(s))
        return false;
      record(*s.node, "killed (no clean exit within " + std::to_string(term_deadline.count())
                        + " s of SIGTERM)");
      return true;
    });
    return nodes.empty();
  });
  for (auto& s : nodes)
    still_alive(*s.node, s.pid);
  return nodes.empty();
}

} // namespace keel::launcher
