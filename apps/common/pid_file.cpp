// pid_file: PID files and /proc look-ups (see pid_file.hpp).

#include "apps/common/pid_file.hpp"

#include <cerrno>
#include <charconv>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace keel {
namespace {

namespace fs = std::filesystem;

std::string read_whole_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

/// The state letter of /proc/<pid>/stat ('R', 'S', 'D', 'T', 'Z', ...), or
/// nullopt if there is no such process. The command name in parentheses may
/// itself contain ") ", so the state is found after the LAST ')'.
std::optional<char> process_state(pid_t pid) {
  auto stat = read_whole_file("/proc/" + std::to_string(pid) + "/stat");
  auto paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size())
    return std::nullopt;
  return stat[paren + 2];
}

} // namespace

std::error_code write_pid_file(const std::string& path, pid_t pid) {
  std::error_code ec;
  auto dir = fs::path{path}.parent_path();
  if (!dir.empty())
    fs::create_directories(dir, ec);
  if (ec)
    return ec;
  // Write a sibling, then rename over: rename(2) is atomic, so a reader never
  // sees a half-written number.
  auto tmp = path + ".tmp";
  {
    std::ofstream out{tmp, std::ios::trunc};
    out << pid << '\n';
    out.flush();
    if (!out)
      return std::error_code{errno ? errno : EIO, std::generic_category()};
  }
  fs::rename(tmp, path, ec);
  return ec;
}

std::optional<pid_t> read_pid_file(const std::string& path) {
  auto text = read_whole_file(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc{} || end != text.data() + text.size() || pid <= 0)
    return std::nullopt;
  return pid;
}

bool remove_pid_file(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  return !ec;
}

bool process_alive(pid_t pid) {
  if (pid <= 0) // kill(0 or -n, ...) would address process groups
    return false;
  if (::kill(pid, 0) != 0 && errno != EPERM)
    return false;
  auto state = process_state(pid);
  return state && *state != 'Z' && *state != 'X';
}

bool process_stopped(pid_t pid) { return pid > 0 && process_state(pid) == 'T'; }

std::vector<std::string> process_cmdline(pid_t pid) {
  std::vector<std::string> args;
  if (pid <= 0)
    return args;
  std::istringstream raw{read_whole_file("/proc/" + std::to_string(pid) + "/cmdline")};
  for (std::string arg; std::getline(raw, arg, '\0');)
    args.push_back(std::move(arg));
  return args;
}

} // namespace keel
