#include "apps/launcher/node_process.hpp"

#include <filesystem>
#include <vector>

#include <signal.h> // NOLINT(modernize-deprecated-headers): POSIX kill(), not in <csignal>
#include <sys/wait.h>

#include "apps/common/pid_file.hpp"
#include "apps/launcher/process.hpp"

namespace keel::launcher {

namespace fs = std::filesystem;

std::string_view to_string(run_state s) {
  switch (s) {
    case run_state::running: return "running";
    case run_state::paused: return "paused";
    case run_state::down: break;
  }
  return "down";
}

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

node_process inspect(const std::string& pid_file, std::string_view node_id) {
  node_process p;
  auto pid = read_pid_file(pid_file);
  if (pid && process_alive(*pid) && is_keel_node(*pid, node_id)) {
    p.pid = pid;
    p.state = process_stopped(*pid) ? run_state::paused : run_state::running;
  } else {
    std::error_code ec;
    p.stale_pid_file = fs::exists(pid_file, ec);
  }
  return p;
}

bool gone(pid_t pid, std::string_view node_id) {
  ::waitpid(pid, nullptr, WNOHANG); // reaps it if it is our own child; ECHILD otherwise
  return !process_alive(pid) || !is_keel_node(pid, node_id);
}

bool send_signal(pid_t pid, std::string_view node_id, int sig) {
  return !gone(pid, node_id) && ::kill(pid, sig) == 0;
}

void remove_own_pid_file(const std::string& pid_file, pid_t pid) {
  if (read_pid_file(pid_file) == pid)
    remove_pid_file(pid_file);
}

result<pid_t> spawn_keel_node(const std::string& binary, const std::string& config_path,
                              const std::string& node_id, const std::string& output) {
  return spawn_process(binary, {"--config", config_path, "--node", node_id}, {output, output});
}

} // namespace keel::launcher
