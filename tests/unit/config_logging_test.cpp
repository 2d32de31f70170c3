// Tests of the logging set-up (apps/common/logging): component loggers on
// shared sinks, the line format with node id, levels and flush-on-warn.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "actors/log/logger.hpp"
#include "apps/common/logging.hpp"

using namespace keel;

namespace {

class LoggingTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto pattern = (std::filesystem::path{::testing::TempDir()} / "keel-log-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }

  void TearDown() override {
    // Leave the process-wide loggers on stderr, not on a deleted file.
    EXPECT_EQ(setup_logging(config::log_config{}, "test", ""), std::nullopt);
    std::filesystem::remove_all(dir_);
  }

  std::string log_file() const { return (dir_ / "n1" / "keel-node.log").string(); }

  std::string read_log() const {
    std::ifstream in{log_file()};
    return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  }

  std::filesystem::path dir_;
};

config::log_config file_only(std::string level) {
  config::log_config cfg;
  cfg.level = std::move(level);
  cfg.to_stderr = false;
  return cfg;
}

TEST_F(LoggingTest, LineHasTimeNodeIdLoggerLevelAndMessage) {
  ASSERT_EQ(setup_logging(file_only("info"), "n1", log_file()), std::nullopt);
  auto raft = component_logger("raft");
  raft->info("became leader term={}", 3);
  raft->flush();
  std::regex line{R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[n1\] \[raft\] \[info\] )"
                  R"(became leader term=3\n)"};
  EXPECT_TRUE(std::regex_match(read_log(), line)) << read_log();
}

TEST_F(LoggingTest, EveryComponentLoggerExistsAndSharesTheFile) {
  ASSERT_EQ(setup_logging(file_only("debug"), "n1", log_file()), std::nullopt);
  for (auto name : component_logger_names) {
    auto logger = spdlog::get(std::string{name});
    ASSERT_NE(logger, nullptr) << name;
    EXPECT_EQ(logger, component_logger(name));
    logger->debug("from {}", name);
    logger->flush();
  }
  auto text = read_log();
  for (auto name : component_logger_names)
    EXPECT_NE(text.find("[n1] [" + std::string{name} + "] [debug] from " + std::string{name}),
              std::string::npos)
      << text;
}

TEST_F(LoggingTest, LevelFiltersAndWarningsFlushAtOnce) {
  ASSERT_EQ(setup_logging(file_only("warn"), "n1", log_file()), std::nullopt);
  auto storage = component_logger("storage");
  storage->info("not shown");
  storage->warn("disk slow");
  // No explicit flush: warn and above flush by themselves.
  auto text = read_log();
  EXPECT_EQ(text.find("not shown"), std::string::npos) << text;
  EXPECT_NE(text.find("[storage] [warning] disk slow"), std::string::npos) << text;
}

TEST_F(LoggingTest, UnopenableLogFileIsReported) {
  std::ofstream{dir_ / "blocker"} << "a file where a directory should be";
  auto error = setup_logging(file_only("info"), "n1", (dir_ / "blocker" / "x.log").string());
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("cannot open log file"), std::string::npos) << *error;
  EXPECT_NE(component_logger("node"), nullptr);
}

TEST_F(LoggingTest, QuietLoggingShowsWarningsOnly) {
  setup_quiet_logging("keelctl");
  auto client = component_logger("client");
  EXPECT_FALSE(client->should_log(spdlog::level::info));
  EXPECT_TRUE(client->should_log(spdlog::level::warn));
}

TEST_F(LoggingTest, UnknownNameGetsALoggerOnTheCurrentSinks) {
  ASSERT_EQ(setup_logging(file_only("info"), "n1", log_file()), std::nullopt);
  auto bench = component_logger("bench");
  ASSERT_NE(bench, nullptr);
  EXPECT_EQ(bench->name(), "bench");
  bench->info("extra");
  bench->flush();
  EXPECT_NE(read_log().find("[n1] [bench] [info] extra"), std::string::npos) << read_log();
  spdlog::drop("bench");
}

} // namespace
