// pid_file: the PID files through which `keelctl cluster` finds node processes,
// and the /proc look-ups it needs before it signals one.
//
// keel-node writes <data_dir>/<node>/keel-node.pid at start and removes it on a
// clean exit; the launcher reads it, and checks that the pid still names a live
// keel-node before sending any signal (pids are reused after a crash).
#pragma once

#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <sys/types.h>
#include <unistd.h>

namespace keel {

/// Writes `pid` as decimal text plus newline to `path`, creating parent
/// directories. Atomic: readers see the old file or the complete new one.
[[nodiscard]] std::error_code write_pid_file(const std::string& path, pid_t pid = ::getpid());

/// The pid in `path`; nullopt if the file is missing, unreadable or does not
/// hold exactly one positive decimal number.
std::optional<pid_t> read_pid_file(const std::string& path);

/// Removes `path`; a missing file is not an error. Returns whether the file is
/// gone.
bool remove_pid_file(const std::string& path);

/// Whether `pid` names a process that has not exited: it exists (kill(pid, 0)
/// succeeds or is refused with EPERM) and is not a zombie.
bool process_alive(pid_t pid);

/// Whether `pid` is stopped by a signal (SIGSTOP, SIGTSTP): state 'T' in
/// /proc/<pid>/stat. False for running, dead and traced processes.
bool process_stopped(pid_t pid);

/// The argument vector of `pid` from /proc/<pid>/cmdline; empty if the process
/// does not exist, is a zombie, or the file cannot be read.
std::vector<std::string> process_cmdline(pid_t pid);

} // namespace keel
