// cluster_launcher: the `keelctl cluster` verbs (see cluster_launcher.hpp).
//
// Three layers, top to bottom: the verbs (whom to start, stop or signal), the
// view of one node's process (its PID file checked against /proc), and plain
// POSIX calls (posix_spawn, kill, a TCP connect probe). Every wait polls
// against a deadline; nothing waits unbounded.

#include "apps/keelctl/cluster_launcher.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "apps/common/pid_file.hpp"

extern char** environ;

namespace keel {
namespace {

namespace fs = std::filesystem;
using config::cluster_config;
using config::node_config;
using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int exit_done = 0;
constexpr int exit_usage = 2;
constexpr int exit_unavailable = 3;

constexpr auto start_deadline = seconds{15};
constexpr auto term_deadline = seconds{10};  // for a clean shutdown, then SIGKILL
constexpr auto kill_deadline = seconds{5};   // for the kernel to end a SIGKILLed process
constexpr auto signal_deadline = seconds{2}; // for SIGSTOP / SIGCONT to take effect
constexpr auto poll_interval = milliseconds{50};
constexpr auto connect_timeout = milliseconds{250};
constexpr size_t startup_output_lines = 20;

// ---- processes -----------------------------------------------------------------

enum class run_state { down, running, paused };

std::string_view to_string(run_state s) {
  switch (s) {
    case run_state::running: return "running";
    case run_state::paused: return "paused";
    case run_state::down: break;
  }
  return "down";
}

/// Whether `pid` runs keel-node for `node_id`: argv[0] names keel-node and the
/// arguments say --node <node_id> (or --node=<node_id>).
bool is_keel_node(pid_t pid, std::string_view node_id) {
  auto args = process_cmdline(pid);
  if (args.empty() || fs::path{args[0]}.filename() != "keel-node")
    return false;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--node")
      return i + 1 < args.size() && args[i + 1] == node_id;
    if (arg.starts_with("--node="))
      return arg.substr(7) == node_id;
  }
  return false;
}

/// One node's process as its PID file and /proc show it.
struct node_process {
  std::optional<pid_t> pid;    // set iff state != down
  run_state state = run_state::down;
  bool stale_pid_file = false; // a PID file exists but names no live keel-node for the node
};

node_process inspect(const cluster_config& cfg, const node_config& node) {
  node_process p;
  auto path = cfg.pid_file_path(node.id);
  auto pid = read_pid_file(path);
  if (pid && process_alive(*pid) && is_keel_node(*pid, node.id)) {
    p.pid = pid;
    p.state = process_stopped(*pid) ? run_state::paused : run_state::running;
  } else {
    std::error_code ec;
    p.stale_pid_file = fs::exists(path, ec);
  }
  return p;
}

/// Whether the keel-node at `pid` has ended (its pid may already be reused).
bool gone(pid_t pid, std::string_view node_id) {
  ::waitpid(pid, nullptr, WNOHANG); // reaps it if it is our own child; ECHILD otherwise
  return !process_alive(pid) || !is_keel_node(pid, node_id);
}

/// Sends `sig` after checking once more that `pid` is still the node's keel-node.
bool send_signal(pid_t pid, std::string_view node_id, int sig) {
  return !gone(pid, node_id) && ::kill(pid, sig) == 0;
}

template <class Predicate>
bool poll_until(steady::time_point deadline, Predicate done) {
  for (;;) {
    if (done())
      return true;
    if (steady::now() >= deadline)
      return false;
    std::this_thread::sleep_for(poll_interval);
  }
}

/// Whether host:port accepts a TCP connection within connect_timeout.
bool port_open(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &addresses) != 0)
    return false;
  bool open = false;
  for (auto* a = addresses; a && !open; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0)
      continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      open = true;
    } else if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int error = 0;
      socklen_t len = sizeof error;
      open = ::poll(&p, 1, static_cast<int>(connect_timeout.count())) == 1
             && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0;
    }
    ::close(fd);
  }
  ::freeaddrinfo(addresses);
  return open;
}

/// The node's client port: a node is up once its client service accepts.
bool port_open(const node_config& node) {
  return port_open(node.host, node.port);
}

bool peer_port_open(const node_config& node) {
  return port_open(node.host, node.peer_port);
}

std::string describe_exit(int status) {
  if (WIFEXITED(status))
    return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return std::string{"killed by signal "}.append(std::to_string(WTERMSIG(status)))
      .append(" (")
      .append(::strsignal(WTERMSIG(status)))
      .append(")");
  return "status " + std::to_string(status);
}

/// The last `count` lines written to `path` after byte `from`, indented.
std::string output_tail(const std::string& path, std::streamoff from, size_t count) {
  std::ifstream in{path, std::ios::binary};
  in.seekg(from);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(std::move(line));
  if (lines.empty())
    return "    (no output)\n";
  std::string tail;
  for (size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i)
    tail.append("    ").append(lines[i]).append("\n");
  return tail;
}

std::string local_time_now() {
  auto now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%d %H:%M:%S");
  return out.str();
}

// ---- the verbs -------------------------------------------------------------------

/// Runs one verb over some nodes and collects what happened to each.
class launcher {
public:
  launcher(const cluster_config& cfg, const std::string& config_path, const std::string& verb,
           const std::string& bin_dir, std::ostream& out, std::ostream& err)
    : cfg_(cfg),
      config_path_(fs::absolute(config_path).lexically_normal().string()),
      verb_(verb),
      binary_(fs::absolute(fs::path{bin_dir} / "keel-node").lexically_normal().string()),
      out_(out),
      err_(err) {
  }

  int up(const std::vector<const node_config*>& targets) {
    if (!binary_exists())
      return exit_usage;
    bool ok = true;
    std::vector<starting> spawned;
    for (auto* node : targets) {
      auto p = inspect(cfg_, *node);
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

  int down(const std::vector<const node_config*>& targets) {
    std::vector<stopping> signalled;
    for (auto* node : targets) {
      auto p = inspect(cfg_, *node);
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

  int status(const std::vector<const node_config*>& targets) {
    for (auto* node : targets)
      record(*node, "");
    return exit_done;
  }

  /// kill, pause or resume one running node.
  int signal(const node_config& node) {
    auto p = inspect(cfg_, node);
    if (p.state == run_state::down)
      return not_running(node, p);
    pid_t pid = *p.pid;
    if (verb_ == "kill") {
      send_signal(pid, node.id, SIGKILL);
      if (!poll_until(steady::now() + kill_deadline, [&] { return gone(pid, node.id); }))
        return still_alive(node, pid);
      remove_own_pid_file(node, pid);
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

  int restart(const node_config& node) {
    if (!binary_exists())
      return exit_usage;
    auto p = inspect(cfg_, node);
    bool was_running = p.state != run_state::down;
    if (was_running) {
      terminate(node, *p.pid);
      if (!await_stopped({{&node, *p.pid}}))
        return exit_unavailable;
      p = inspect(cfg_, node);
    }
    auto s = start(node, p);
    if (!s || !await_started({*s}))
      return exit_unavailable;
    record(node, was_running ? "restarted" : "started (was not running)");
    return exit_done;
  }

  void print(bool json) const {
    if (json)
      print_json();
    else if (verb_ == "status")
      print_table();
    else
      print_actions();
  }

private:
  struct starting {
    const node_config* node;
    pid_t pid;
    std::streamoff output_from; // where this run's output begins in keel-node.out
  };

  struct stopping {
    const node_config* node;
    pid_t pid;
  };

  /// What a verb did to a node and the state it left behind.
  struct report {
    const node_config* node;
    std::string action; // empty for status
    node_process process;
    bool port_open = false;
    bool peer_port_open = false;
  };

  std::string output_path(const node_config& node) const {
    return (fs::path{cfg_.node_dir(node.id)} / "keel-node.out").string();
  }

  std::string endpoint(const node_config& node) const {
    return node.host + ":" + std::to_string(node.port);
  }

  std::string peer_endpoint(const node_config& node) const {
    return node.host + ":" + std::to_string(node.peer_port);
  }

  /// Starts the first line of every error: "keelctl cluster up: ".
  std::ostream& error() const {
    return err_ << "keelctl cluster " << verb_ << ": ";
  }

  bool binary_exists() const {
    if (fs::is_regular_file(binary_) && ::access(binary_.c_str(), X_OK) == 0)
      return true;
    error() << "no executable keel-node at " << binary_
            << "; build it first (cmake --build <build dir> --target keel-node)\n";
    return false;
  }

  /// Re-inspects `node` and records its state after `action`.
  void record(const node_config& node, std::string action) {
    auto p = inspect(cfg_, node);
    auto index = static_cast<size_t>(&node - cfg_.nodes.data());
    reports_[index] = report{&node, std::move(action), p, port_open(node), peer_port_open(node)};
  }

  int not_running(const node_config& node, const node_process& p) {
    error() << node.id << " is not running"
            << (p.stale_pid_file ? " (its PID file names no live keel-node)" : "")
            << "; start it with `keelctl cluster up " << node.id << "`\n";
    record(node, "not running");
    return exit_unavailable;
  }

  int still_alive(const node_config& node, pid_t pid) {
    error() << node.id << " (pid " << pid << ") is still alive after SIGKILL; "
            << "check `ps -o stat,cmd -p " << pid << "` (a process in state D waits for I/O)\n";
    record(node, "did not stop");
    return exit_unavailable;
  }

  /// SIGTERM, plus SIGCONT so that a paused node wakes up to handle it.
  void terminate(const node_config& node, pid_t pid) {
    send_signal(pid, node.id, SIGTERM);
    send_signal(pid, node.id, SIGCONT);
  }

  /// Removes the node's PID file if it still names `pid` (a node killed
  /// without warning cannot remove its own).
  void remove_own_pid_file(const node_config& node, pid_t pid) {
    auto path = cfg_.pid_file_path(node.id);
    if (read_pid_file(path) == pid)
      remove_pid_file(path);
  }

  /// Spawns keel-node for a node that is down; nullopt (error printed) if it
  /// cannot be started.
  std::optional<starting> start(const node_config& node, const node_process& p) {
    if (p.stale_pid_file)
      remove_pid_file(cfg_.pid_file_path(node.id));
    // Otherwise the probe below could mistake the squatter for our node (client
    // port), or the node would fail to publish its peer gate (peer port).
    struct listener {
      std::string address;
      std::string_view setting;
      bool open;
    };
    for (const auto& l : {listener{endpoint(node), "port", port_open(node)},
                          listener{peer_endpoint(node), "peer_port", peer_port_open(node)}}) {
      if (l.open) {
        error() << node.id << ": " << l.address << " (its " << l.setting
                << ") already accepts connections, but keel-node " << node.id
                << " is not running; stop what listens there or change the " << l.setting
                << " in " << config_path_ << "\n";
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
      marker << "--- " << local_time_now() << " keelctl cluster " << verb_
             << ": starting keel-node " << node.id << " ---\n";
      if (ec || !marker.flush()) {
        error() << "cannot write " << out_path << ": "
                << (ec ? ec.message() : std::strerror(errno))
                << "; check that the data directory is writable\n";
        record(node, "not started");
        return std::nullopt;
      }
    }
    auto output_from = static_cast<std::streamoff>(fs::file_size(out_path, ec));
    pid_t pid = 0;
    if (int rc = spawn(node, out_path, pid); rc != 0) {
      error() << "cannot start " << binary_ << ": " << std::strerror(rc) << "\n";
      record(node, "not started");
      return std::nullopt;
    }
    return starting{&node, pid, output_from};
  }

  /// posix_spawn: keel-node in a session of its own (so that a Ctrl-C or a
  /// hang-up meant for keelctl does not reach it), stdin from /dev/null,
  /// stdout and stderr appended to keel-node.out, no inherited descriptors,
  /// default signal dispositions and an empty signal mask.
  int spawn(const node_config& node, const std::string& out_path, pid_t& pid) const {
    std::vector<std::string> args{binary_, "--config", config_path_, "--node", node.id};
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&files, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    posix_spawn_file_actions_adddup2(&files, 1, 2);
    posix_spawn_file_actions_addclosefrom_np(&files, 3);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK
                                      | POSIX_SPAWN_SETSIGDEF);
    int rc = ::posix_spawn(&pid, binary_.c_str(), &files, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&files);
    return rc;
  }

  /// Waits until each node's PID file names it and its port accepts
  /// connections. Returns false if any exited or did not come up in time.
  bool await_started(std::vector<starting> pending) {
    bool all_up = true;
    poll_until(steady::now() + start_deadline, [&] {
      std::erase_if(pending, [&](const starting& s) {
        int status = 0;
        if (::waitpid(s.pid, &status, WNOHANG) == s.pid) {
          error() << s.node->id << " exited during start-up (" << describe_exit(status)
                  << "); the end of " << output_path(*s.node) << ":\n"
                  << output_tail(output_path(*s.node), s.output_from, startup_output_lines);
          remove_own_pid_file(*s.node, s.pid);
          record(*s.node, "exited during start-up");
          all_up = false;
          return true;
        }
        if (read_pid_file(cfg_.pid_file_path(s.node->id)) == s.pid && port_open(*s.node)) {
          record(*s.node, "started");
          return true;
        }
        return false;
      });
      return pending.empty();
    });
    for (auto& s : pending) {
      error() << s.node->id << " (pid " << s.pid << ") did not accept connections on "
              << endpoint(*s.node) << " within " << start_deadline.count()
              << " s; it may still be starting: see " << output_path(*s.node)
              << ", or stop it with `keelctl cluster down " << s.node->id << "`\n";
      record(*s.node, "start timed out");
      all_up = false;
    }
    return all_up;
  }

  /// After SIGTERM: waits for each node to exit, SIGKILLs the ones that
  /// outlive term_deadline. Returns false if any survives even SIGKILL.
  bool await_stopped(std::vector<stopping> nodes) {
    auto exited = [&](const stopping& s) {
      if (!gone(s.pid, s.node->id))
        return false;
      remove_own_pid_file(*s.node, s.pid);
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

  void print_actions() const {
    for (auto& [index, r] : reports_) {
      out_ << r.node->id << ": " << r.action << " (" << to_string(r.process.state);
      if (r.process.pid)
        out_ << ", pid " << *r.process.pid;
      out_ << ", " << endpoint(*r.node) << (r.port_open ? " open" : " closed") << ", peer "
           << r.node->peer_port << (r.peer_port_open ? " open" : " closed") << ")\n";
    }
  }

  void print_table() const {
    size_t id_width = 4;
    size_t address_width = 7;
    for (auto& [index, r] : reports_) {
      id_width = std::max(id_width, r.node->id.size());
      address_width = std::max(address_width, endpoint(*r.node).size());
    }
    auto row = [&](std::string_view id, std::string_view address, std::string_view state,
                   std::string_view pid, std::string_view port, std::string_view peer) {
      out_ << std::left << std::setw(static_cast<int>(id_width + 2)) << id
           << std::setw(static_cast<int>(address_width + 2)) << address << std::setw(9) << state
           << std::setw(9) << pid << std::setw(8) << port << peer << "\n";
    };
    row("NODE", "ADDRESS", "STATE", "PID", "PORT", "PEER PORT");
    for (auto& [index, r] : reports_)
      row(r.node->id, endpoint(*r.node), to_string(r.process.state),
          r.process.pid             ? std::to_string(*r.process.pid)
          : r.process.stale_pid_file ? "stale"
                                     : "-",
          r.port_open ? "open" : "closed",
          std::to_string(r.node->peer_port) + (r.peer_port_open ? " open" : " closed"));
  }

  void print_json() const {
    auto nodes = nlohmann::json::array();
    for (auto& [index, r] : reports_) {
      nlohmann::json n{{"id", r.node->id},
                       {"host", r.node->host},
                       {"port", r.node->port},
                       {"peer_port", r.node->peer_port},
                       {"pid", nullptr},
                       {"state", to_string(r.process.state)},
                       {"port_open", r.port_open},
                       {"peer_port_open", r.peer_port_open},
                       {"stale_pid_file", r.process.stale_pid_file}};
      if (r.process.pid)
        n["pid"] = *r.process.pid;
      if (!r.action.empty())
        n["action"] = r.action;
      nodes.push_back(std::move(n));
    }
    out_ << nlohmann::json{{"verb", verb_}, {"nodes", std::move(nodes)}}.dump() << "\n";
  }

  const cluster_config& cfg_;
  std::string config_path_; // absolute, as the nodes must find it from any directory
  std::string verb_;
  std::string binary_;
  std::ostream& out_;
  std::ostream& err_;
  std::map<size_t, report> reports_; // by index in cfg_.nodes: output in file order
};

constexpr std::string_view verbs[] = {"up", "down", "status", "kill", "pause", "resume", "restart"};

bool needs_node(std::string_view verb) {
  return verb == "kill" || verb == "pause" || verb == "resume" || verb == "restart";
}

std::string node_ids(const cluster_config& cfg) {
  std::string ids;
  for (auto& n : cfg.nodes)
    ids.append(ids.empty() ? "" : ", ").append(n.id);
  return ids;
}

} // namespace

int run_cluster_command(const config::cluster_config& cfg, const std::string& config_path,
                        const std::string& verb, const std::string& node,
                        const std::string& bin_dir, bool json, std::ostream& out,
                        std::ostream& err) {
  if (std::find(std::begin(verbs), std::end(verbs), verb) == std::end(verbs)) {
    err << "keelctl cluster: unknown command '" << verb
        << "'; use up, down, status, kill NODE, pause NODE, resume NODE or restart NODE\n";
    return exit_usage;
  }
  if (needs_node(verb) && node.empty()) {
    err << "keelctl cluster " << verb << ": needs a NODE, one of " << node_ids(cfg) << "\n";
    return exit_usage;
  }
  const node_config* target = node.empty() ? nullptr : cfg.find_node(node);
  if (!node.empty() && !target) {
    err << "keelctl cluster " << verb << ": unknown node '" << node << "'; " << cfg.source
        << " defines " << node_ids(cfg) << "\n";
    return exit_usage;
  }
  std::vector<const node_config*> targets;
  if (target)
    targets.push_back(target);
  else
    for (auto& n : cfg.nodes)
      targets.push_back(&n);
  launcher run{cfg, config_path, verb, bin_dir, out, err};
  int code = exit_done;
  if (verb == "up")
    code = run.up(targets);
  else if (verb == "down")
    code = run.down(targets);
  else if (verb == "status")
    code = run.status(targets);
  else if (verb == "restart")
    code = run.restart(*target);
  else
    code = run.signal(*target);
  run.print(json);
  return code;
}

} // namespace keel
