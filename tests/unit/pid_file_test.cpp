// Tests of PID files and process inspection (apps/common/pid_file), which the
// cluster launcher relies on before it signals anything. Child processes are
// synchronised with waitpid/waitid, never with sleeps.

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "apps/common/pid_file.hpp"

using namespace keel;

namespace {

class PidFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto pattern = (std::filesystem::path{::testing::TempDir()} / "keel-pid-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  void write_text(const std::string& name, const std::string& text) const {
    std::ofstream{path(name)} << text;
  }

  std::filesystem::path dir_;
};

/// A child that exits at once; returns its pid after it has become a zombie
/// (waitid with WNOWAIT leaves it unreaped).
pid_t zombie_child() {
  pid_t child = ::fork();
  if (child == 0)
    ::_exit(0);
  siginfo_t info{};
  ::waitid(P_PID, child, &info, WEXITED | WNOWAIT);
  return child;
}

void reap(pid_t child) { ::waitpid(child, nullptr, 0); }

TEST_F(PidFileTest, WriteThenReadGivesThePidBack) {
  auto file = path("node/n1/keel-node.pid"); // parent directories are created
  ASSERT_FALSE(write_pid_file(file, 4242));
  EXPECT_EQ(read_pid_file(file), 4242);
  ASSERT_FALSE(write_pid_file(file));
  EXPECT_EQ(read_pid_file(file), ::getpid());
  EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));
}

TEST_F(PidFileTest, RemoveDeletesAndToleratesMissingFile) {
  auto file = path("keel-node.pid");
  ASSERT_FALSE(write_pid_file(file, 7));
  EXPECT_TRUE(remove_pid_file(file));
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_EQ(read_pid_file(file), std::nullopt);
  EXPECT_TRUE(remove_pid_file(file));
}

TEST_F(PidFileTest, MalformedContentReadsAsNoPid) {
  for (auto text : {"", "\n", "abc\n", "12abc\n", "0\n", "-5\n", "12 13\n", "99999999999999\n"}) {
    SCOPED_TRACE(text);
    write_text("bad.pid", text);
    EXPECT_EQ(read_pid_file(path("bad.pid")), std::nullopt);
  }
  write_text("plain.pid", "123");
  EXPECT_EQ(read_pid_file(path("plain.pid")), 123);
}

TEST_F(PidFileTest, WriteIntoUncreatableDirectoryReportsError) {
  write_text("file", "x");
  EXPECT_TRUE(write_pid_file(path("file/sub/keel-node.pid"), 1));
}

TEST(ProcessAlive, CurrentProcessIsAlive) {
  EXPECT_TRUE(process_alive(::getpid()));
  EXPECT_FALSE(process_stopped(::getpid()));
}

TEST(ProcessAlive, NonPositivePidsAreNeverAlive) {
  // kill(0, ...) and kill(-1, ...) address process groups, never one process.
  EXPECT_FALSE(process_alive(0));
  EXPECT_FALSE(process_alive(-1));
}

TEST(ProcessAlive, ReapedChildIsDead) {
  pid_t child = zombie_child();
  reap(child);
  EXPECT_FALSE(process_alive(child));
  EXPECT_TRUE(process_cmdline(child).empty());
}

TEST(ProcessAlive, ZombieChildIsDead) {
  // A zombie still answers kill(pid, 0); it must count as exited all the same.
  pid_t child = zombie_child();
  EXPECT_EQ(::kill(child, 0), 0);
  EXPECT_FALSE(process_alive(child));
  reap(child);
}

TEST(ProcessStopped, StoppedChildIsStoppedThenRunningAfterContinue) {
  pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  ASSERT_EQ(::kill(child, SIGSTOP), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, WUNTRACED), child); // returns once stopped
  ASSERT_TRUE(WIFSTOPPED(status));
  EXPECT_TRUE(process_alive(child));
  EXPECT_TRUE(process_stopped(child));
  ASSERT_EQ(::kill(child, SIGCONT), 0);
  ASSERT_EQ(::waitpid(child, &status, WCONTINUED), child); // returns once continued
  EXPECT_FALSE(process_stopped(child));
  ::kill(child, SIGKILL);
  reap(child);
  EXPECT_FALSE(process_stopped(child));
}

TEST(ProcessCmdline, ListsTheArgumentsOfALiveProcess) {
  auto args = process_cmdline(::getpid());
  ASSERT_FALSE(args.empty());
  EXPECT_EQ(std::filesystem::path{args[0]}.filename(), "keel_unit_tests");
}

} // namespace
