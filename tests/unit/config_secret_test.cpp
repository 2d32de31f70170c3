// The cluster secret file (apps/common/cluster_secret): created once with a
// fresh secret, then read; refused, with a code and a sentence naming the file,
// when it is missing, readable by others or too short.
#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "apps/common/cluster_secret.hpp"
#include "tests/unit/storage_test_dir.hpp"

namespace keel::config {
namespace {

using storage::test::temp_dir;

void write(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream{path} << text;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

TEST(ClusterSecret, CreatedOnceThenReadBack) {
  temp_dir dir;
  auto path = dir.sub("data/cluster.secret");
  auto made = load_cluster_secret(path, /*create=*/true);
  ASSERT_TRUE(made.ok()) << made.error().detail;
  EXPECT_EQ(made->size(), 64u); // 32 random bytes in hex
  auto again = load_cluster_secret(path, /*create=*/false);
  ASSERT_TRUE(again.ok()) << again.error().detail;
  EXPECT_EQ(*again, *made);
}

TEST(ClusterSecret, AMissingFileIsNotCreatedUnlessAsked) {
  temp_dir dir;
  auto missing = load_cluster_secret(dir.sub("nope"), /*create=*/false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, secret_errc::unreadable);
  EXPECT_NE(missing.error().detail.find(dir.sub("nope")), std::string::npos);
}

TEST(ClusterSecret, AFileOthersCanReadIsRefused) {
  temp_dir dir;
  auto path = dir.sub("secret");
  write(path, std::string(64, 'a'), 0644);
  auto loaded = load_cluster_secret(path, false);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, secret_errc::readable_by_others);
  EXPECT_EQ(loaded.error().detail,
            "the cluster secret " + path + " can be read by other users: chmod 600 " + path);
}

TEST(ClusterSecret, AShortSecretIsRefused) {
  temp_dir dir;
  auto path = dir.sub("secret");
  write(path, std::string(31, 'a') + "\n", 0600);
  auto loaded = load_cluster_secret(path, false);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, secret_errc::too_short);
  EXPECT_NE(loaded.error().detail.find("holds 31 bytes"), std::string::npos);
}

TEST(ClusterSecret, ASecretThatCannotBeCreatedIsRefused) {
  // No directory can be made under /proc, even by root.
  auto loaded = load_cluster_secret("/proc/keel-no-such-dir/cluster.secret", /*create=*/true);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, secret_errc::cannot_create);
  EXPECT_NE(loaded.error().detail.find("cannot create the cluster secret"), std::string::npos);
}

} // namespace
} // namespace keel::config
