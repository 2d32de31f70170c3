// cmake --install, as a user runs it: the binaries, the systemd unit and the
// client library land under the prefix, and a program outside the tree
// (tests/package/) finds the library with find_package(Keel), builds against
// it and talks to a live node through it.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "local_cluster.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(Package, AProgramOutsideTheTreeBuildsAgainstTheInstalledClientLibrary) {
  if (test::tls_by_default())
    GTEST_SKIP() << "the consumer is a plaintext client";
  test::local_cluster cluster{1, 2, 1};
  auto prefix = fs::path{cluster.dir()} / "prefix";
  auto consumer = fs::path{cluster.dir()} / "consumer";

  auto installed = test::run_program(
    "/usr/bin/env", {"cmake", "--install", KEEL_BUILD_DIR, "--prefix", prefix}, 120s);
  ASSERT_EQ(installed.code, 0) << installed.out << installed.err;
  for (auto file : {"bin/keel-node", "bin/keelctl", "bin/keel-bench", "bin/keel-jepsen",
                    "lib/cmake/Keel/KeelConfig.cmake", "lib/cmake/Keel/KeelTargets.cmake",
                    "lib/cmake/Keel/FindCAF.cmake", "lib/keel/libkeel_client.a",
                    "include/keel/actors/client/client.hpp", "include/keel/messages/kv.pb.h",
                    "lib/systemd/system/keel-node@.service", "share/doc/keel/operations.md"})
    EXPECT_TRUE(fs::exists(prefix / file)) << file;
  EXPECT_FALSE(fs::exists(prefix / "bin/unsafe")) << "the unsafe test build is never installed";

  auto configured = test::run_program(
    "/usr/bin/env",
    {"cmake", "-S", std::string{KEEL_SOURCE_DIR} + "/tests/package", "-B", consumer, "-G", "Ninja",
     "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_PREFIX_PATH=" + prefix.string()},
    120s);
  ASSERT_EQ(configured.code, 0) << configured.out << configured.err;
  auto built = test::run_program("/usr/bin/env", {"cmake", "--build", consumer}, 300s);
  ASSERT_EQ(built.code, 0) << built.out << built.err;

  // The installed keel-node runs the cluster; the consumer writes and reads.
  auto version = test::run_program((prefix / "bin/keel-node").string(), {"--help"}, 10s);
  EXPECT_EQ(version.code, 0) << version.err;
  ASSERT_TRUE(cluster.start("n1"));
  auto ran = test::run_program(
    (consumer / "keel_consumer").string(),
    {"127.0.0.1:" + std::to_string(cluster.port("n1")), "from-outside", "it links"}, 30s);
  EXPECT_EQ(ran.code, 0) << ran.err;
  EXPECT_EQ(ran.out, "it links\n");
  EXPECT_EQ(cluster.keelctl({"get", "from-outside"}).out, "it links\n");
}

} // namespace
