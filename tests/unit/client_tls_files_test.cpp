// Which TLS files a client program uses (actors/client/core/tls_files): the
// flags against the cluster.conf's [tls], and one error line for each
// inconsistent or unreadable choice.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "actors/client/core/tls_files.hpp"

namespace keel::client {
namespace {

struct ClientTlsFiles : ::testing::Test {
  std::filesystem::path dir;

  ClientTlsFiles() {
    auto pattern = (std::filesystem::temp_directory_path() / "keel-tls-files-XXXXXX").string();
    if (!mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp failed");
    dir = pattern;
    for (auto name : {"ca.pem", "client.pem", "client.key", "operator.pem", "operator.key"})
      std::ofstream{dir / name} << "pem\n";
  }
  ~ClientTlsFiles() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  std::string file(const std::string& name) const { return (dir / name).string(); }

  /// A [tls] section as a loaded cluster.conf would have it.
  config::security_config tls_cluster(bool with_client_cert = true) const {
    config::security_config s;
    s.ca_file = file("ca.pem");
    if (with_client_cert) {
      s.client_cert_file = file("client.pem");
      s.client_key_file = file("client.key");
    }
    return s;
  }

  tls_flags operator_flags() const {
    return {file("ca.pem"), file("operator.pem"), file("operator.key")};
  }

  static tls_settings ok(const client::setup_result<tls_settings>& r) {
    if (!r) {
      ADD_FAILURE() << "unexpected error: " << r.error().detail;
      return {};
    }
    return *r;
  }

  /// The detail of the refusal, which must carry `code`.
  static std::string error(const client::setup_result<tls_settings>& r, errc code) {
    if (r) {
      ADD_FAILURE() << "resolved, but should have failed";
      return {};
    }
    EXPECT_EQ(r.error().code, code) << r.error().detail;
    return r.error().detail;
  }
};

TEST_F(ClientTlsFiles, EndpointsWithoutFlagsArePlaintext) {
  EXPECT_FALSE(ok(resolve_tls({}, nullptr, "")).enabled());
}

TEST_F(ClientTlsFiles, PlaintextConfigWithoutFlagsIsPlaintext) {
  config::security_config plain;
  EXPECT_FALSE(ok(resolve_tls({}, &plain, "cluster.conf")).enabled());
}

TEST_F(ClientTlsFiles, TlsConfigWithoutFlagsPresentsTheConfigsClientCertificate) {
  auto cluster = tls_cluster();
  auto s = ok(resolve_tls({}, &cluster, "cluster.conf"));
  EXPECT_TRUE(s.enabled());
  EXPECT_EQ(s.ca_file, file("ca.pem"));
  EXPECT_EQ(s.cert_file, file("client.pem"));
  EXPECT_EQ(s.key_file, file("client.key"));
  EXPECT_EQ(s.passphrase, "");
}

TEST_F(ClientTlsFiles, TlsConfigWithoutClientCertificateNeedsFlags) {
  auto cluster = tls_cluster(false);
  EXPECT_EQ(error(resolve_tls({}, &cluster, "/etc/keel/cluster.conf"), errc::no_client_certificate),
            "/etc/keel/cluster.conf: the cluster uses TLS, and [tls] names no client_cert and "
            "client_key: pass --cacert FILE --cert FILE --key FILE, or set them");
}

TEST_F(ClientTlsFiles, FlagsWinOverTheConfig) {
  auto cluster = tls_cluster();
  auto s = ok(resolve_tls(operator_flags(), &cluster, "cluster.conf"));
  EXPECT_EQ(s.cert_file, file("operator.pem"));
  EXPECT_EQ(s.key_file, file("operator.key"));
}

TEST_F(ClientTlsFiles, FlagsWithEndpointsTurnTlsOn) {
  auto s = ok(resolve_tls(operator_flags(), nullptr, ""));
  EXPECT_TRUE(s.enabled());
  EXPECT_EQ(s.ca_file, file("ca.pem"));
}

TEST_F(ClientTlsFiles, TheThreeFlagsGoTogether) {
  auto all = operator_flags();
  auto without = [&](std::string tls_flags::*a, std::string tls_flags::*b = nullptr) {
    auto f = all;
    f.*a = "";
    if (b)
      f.*b = "";
    return error(resolve_tls(f, nullptr, ""), errc::tls_flags);
  };
  EXPECT_EQ(without(&tls_flags::key_file), "--cacert, --cert and --key go together: --key missing");
  EXPECT_EQ(without(&tls_flags::ca_file),
            "--cacert, --cert and --key go together: --cacert missing");
  EXPECT_EQ(without(&tls_flags::cert_file, &tls_flags::key_file),
            "--cacert, --cert and --key go together: --cert and --key missing");
}

TEST_F(ClientTlsFiles, FlagsWithAPlaintextConfigAreAnError) {
  config::security_config plain;
  EXPECT_EQ(error(resolve_tls(operator_flags(), &plain, "cluster.conf"), errc::tls_flags),
            "--cacert, --cert and --key given, but cluster.conf has no [tls] ca_file: its nodes "
            "speak plaintext");
}

TEST_F(ClientTlsFiles, AMissingFileNamesTheFlagAndThePath) {
  auto f = operator_flags();
  f.key_file = file("nope.key");
  EXPECT_EQ(error(resolve_tls(f, nullptr, ""), errc::unreadable_file),
            "--key: cannot read '" + file("nope.key") + "': No such file or directory");
  f = operator_flags();
  f.ca_file = dir.string();
  EXPECT_EQ(error(resolve_tls(f, nullptr, ""), errc::unreadable_file),
            "--cacert: '" + dir.string() + "' is a directory, not a file");
}

} // namespace
} // namespace keel::client
