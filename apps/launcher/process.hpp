// process: the POSIX process primitives that `keelctl cluster`, keel-bench
// failover and the system tests' local_cluster share: start a program detached
// from the caller's terminal with its output in files, reap it, wait for its
// exit against a deadline, and say how it ended. Every wait polls against a
// deadline; nothing here waits unbounded.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

#include "actors/base/core/errors.hpp"

namespace keel::launcher {

using steady = std::chrono::steady_clock;

/// Why a program could not be started (the launcher's one error).
enum class errc {
  cannot_start, ///< posix_spawn failed: no such file, not executable, no resources
};

struct launch_error {
  errc code;
  std::string detail; ///< "cannot start PATH: <strerror>"
};

template <class T>
using result = keel::result<T, launch_error>;

/// Calls `done` every `interval` until it returns true (then true) or
/// `deadline` passes (then false). `done` runs at least once.
template <class Predicate>
bool poll_until(steady::time_point deadline, Predicate done,
                std::chrono::milliseconds interval = std::chrono::milliseconds{50}) {
  for (;;) {
    if (done())
      return true;
    if (steady::now() >= deadline)
      return false;
    std::this_thread::sleep_for(interval);
  }
}

/// Where a started program's output goes: appended to these files (created
/// when missing); one file for both when they are equal.
struct output_files {
  std::string out;
  std::string err;
};

/// Starts `path` with `args` (argv[0] is `path`) in a session of its own, so
/// that a Ctrl-C or a hang-up meant for the caller does not reach it; stdin
/// from /dev/null, stdout and stderr appended to `output`, no inherited
/// descriptors, default signal dispositions and an empty signal mask.
/// Returns its pid, or why it could not be started ("cannot start PATH: ...").
result<pid_t> spawn_process(const std::string& path, const std::vector<std::string>& args,
                            const output_files& output);

/// The wait status of our child `pid` if it has exited (reaping it), else
/// nullopt (running, or not our child).
std::optional<int> reap(pid_t pid);

/// Waits for our child `pid` to exit: its exit code (128 + signal if a signal
/// ended it), -1 if it still runs at the deadline, -2 if it is not our child.
int wait_exit(pid_t pid, std::chrono::milliseconds deadline);

/// A wait status as an exit code: the code, or 128 + the signal that ended it.
int exit_code(int status);

/// A wait status in words: "exit code 1", "killed by signal 9 (Killed)".
std::string describe_exit(int status);

/// The last `count` lines written to `path` after byte `from`, each indented
/// by four spaces; "    (no output)" when there are none.
std::string output_tail(const std::string& path, std::streamoff from, size_t count);

} // namespace keel::launcher
