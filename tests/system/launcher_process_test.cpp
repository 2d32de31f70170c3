// The launcher's process primitives (apps/launcher/process, port_probe) on
// real processes and sockets: what `keelctl cluster`, keel-bench failover and
// local_cluster rely on when they start, wait for and probe keel-node.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apps/launcher/port_probe.hpp"
#include "apps/launcher/process.hpp"

namespace {

using namespace keel::launcher;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
  std::ifstream in{p};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct LauncherProcess : ::testing::Test {
  fs::path dir;

  LauncherProcess() {
    char templ[] = "/tmp/keel-launcher-XXXXXX";
    dir = ::mkdtemp(templ);
  }

  ~LauncherProcess() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  pid_t spawn_sh(const std::string& script, const output_files& out) {
    auto spawned = spawn_process("/bin/sh", {"-c", script}, out);
    if (!spawned) {
      ADD_FAILURE() << spawned.error().detail;
      return -1;
    }
    return *spawned;
  }
};

TEST_F(LauncherProcess, ProgramOutputGoesToItsFilesAndItsExitCodeIsReported) {
  auto out = (dir / "out").string();
  auto err = (dir / "err").string();
  auto pid = spawn_sh("echo out; echo err >&2; exit 3", {out, err});
  EXPECT_EQ(wait_exit(pid, 10s), 3);
  EXPECT_EQ(read_all(out), "out\n");
  EXPECT_EQ(read_all(err), "err\n");
}

TEST_F(LauncherProcess, OneFileTakesBothStreamsAndEarlierOutputStays) {
  auto log = (dir / "keel-node.out").string();
  std::ofstream{log} << "earlier run\n";
  auto pid = spawn_sh("echo out; echo err >&2", {log, log});
  EXPECT_EQ(wait_exit(pid, 10s), 0);
  EXPECT_EQ(read_all(log), "earlier run\nout\nerr\n");
}

TEST_F(LauncherProcess, AProgramThatCannotStartIsAnErrorNamingIt) {
  auto spawned
    = spawn_process("/nonexistent/keel-node", {}, {(dir / "o").string(), (dir / "o").string()});
  ASSERT_FALSE(spawned.ok());
  EXPECT_EQ(spawned.error().code, errc::cannot_start);
  EXPECT_NE(spawned.error().detail.find("cannot start /nonexistent/keel-node: "), std::string::npos)
    << spawned.error().detail;
}

TEST_F(LauncherProcess, RunsInASessionOfItsOwnWithStdinClosedToInput) {
  auto out = (dir / "out").string();
  // read returns at once on /dev/null; a terminal or a pipe would block.
  auto pid = spawn_sh("read line; echo \"read:$?\"; sleep 30", {out, out});
  ASSERT_GT(pid, 0);
  EXPECT_EQ(::getsid(pid), pid); // a Ctrl-C meant for the caller's session misses it
  EXPECT_NE(::getsid(pid), ::getsid(0));
  EXPECT_TRUE(poll_until(steady::now() + 10s, [&] { return read_all(out) == "read:1\n"; }))
    << read_all(out);
  ::kill(pid, SIGKILL);
  EXPECT_EQ(wait_exit(pid, 10s), 128 + SIGKILL);
}

TEST_F(LauncherProcess, WaitingEndsAtTheDeadlineWhileTheProgramRuns) {
  auto out = (dir / "out").string();
  auto pid = spawn_sh("sleep 30", {out, out});
  EXPECT_EQ(reap(pid), std::nullopt);
  auto start = steady::now();
  EXPECT_EQ(wait_exit(pid, 100ms), -1);
  EXPECT_LT(steady::now() - start, 5s);
  ::kill(pid, SIGTERM);
  auto status = std::optional<int>{};
  EXPECT_TRUE(poll_until(steady::now() + 10s, [&] { return (status = reap(pid)).has_value(); }));
  ASSERT_TRUE(status);
  EXPECT_EQ(exit_code(*status), 128 + SIGTERM);
  EXPECT_EQ(describe_exit(*status), "killed by signal 15 (Terminated)");
}

TEST_F(LauncherProcess, AProcessThatIsNotOurChildCannotBeWaitedFor) {
  EXPECT_EQ(wait_exit(1, 100ms), -2);
  EXPECT_EQ(reap(1), std::nullopt);
}

TEST(LauncherOutputTail, TheLastLinesWrittenAfterAnOffsetIndented) {
  auto path = fs::temp_directory_path() / ("keel-tail-" + std::to_string(::getpid()));
  std::ofstream{path} << "old\nrun 1\nrun 2\nrun 3\n";
  EXPECT_EQ(output_tail(path.string(), 4, 2), "    run 2\n    run 3\n");
  EXPECT_EQ(output_tail(path.string(), 4, 10), "    run 1\n    run 2\n    run 3\n");
  EXPECT_EQ(output_tail(path.string(), 22, 10), "    (no output)\n");
  fs::remove(path);
}

TEST(LauncherPortProbe, OpenWhileSomethingListensClosedAfterwards) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  auto port = ntohs(addr.sin_port);
  EXPECT_FALSE(port_open("127.0.0.1", port)); // bound, not yet listening
  ASSERT_EQ(::listen(fd, 4), 0);
  EXPECT_TRUE(port_open("127.0.0.1", port));
  EXPECT_TRUE(port_open("localhost", port));
  ::close(fd);
  EXPECT_FALSE(port_open("127.0.0.1", port));
  EXPECT_FALSE(port_open("no-such-host.invalid", port));
}

} // namespace
