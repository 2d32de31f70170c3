#include "apps/launcher/process.hpp"

#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <signal.h> // NOLINT(modernize-deprecated-headers): POSIX kill(), not in <csignal>
#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace keel::launcher {

result<pid_t> spawn_process(const std::string& path, const std::vector<std::string>& args,
                            const output_files& output) {
  std::vector<std::string> all{path};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(all.size() + 1);
  for (auto& a : all)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  constexpr int append = O_WRONLY | O_CREAT | O_APPEND;
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, 1, output.out.c_str(), append, 0644);
  if (output.err == output.out)
    posix_spawn_file_actions_adddup2(&files, 1, 2);
  else
    posix_spawn_file_actions_addopen(&files, 2, output.err.c_str(), append, 0644);
  posix_spawn_file_actions_addclosefrom_np(&files, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigset_t all_signals;
  sigemptyset(&none);
  sigfillset(&all_signals);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all_signals);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, path.c_str(), &files, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0)
    return launch_error{errc::cannot_start, "cannot start " + path + ": " + std::strerror(rc)};
  return pid;
}

std::optional<int> reap(pid_t pid) {
  int status = 0;
  if (pid > 0 && ::waitpid(pid, &status, WNOHANG) == pid)
    return status;
  return std::nullopt;
}

int wait_exit(pid_t pid, std::chrono::milliseconds deadline) {
  int code = -1;
  poll_until(
    steady::now() + deadline,
    [&] {
      int status = 0;
      auto r = ::waitpid(pid, &status, WNOHANG);
      if (r == pid)
        code = exit_code(status);
      else if (r < 0)
        code = -2;
      return code != -1;
    },
    std::chrono::milliseconds{10});
  return code;
}

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string describe_exit(int status) {
  if (WIFEXITED(status))
    return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return std::string{"killed by signal "}
      .append(std::to_string(WTERMSIG(status)))
      .append(" (")
      .append(::strsignal(WTERMSIG(status)))
      .append(")");
  return "status " + std::to_string(status);
}

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

} // namespace keel::launcher
