// Tests of cluster.conf parsing and validation (apps/common/cluster_config):
// the repository's default file, one test per kind of bad input (each asserts
// the line and the setting the error names), shard placement and shard_of.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include <gtest/gtest.h>

#include "apps/common/cluster_config.hpp"
#include "tests/unit/storage_test_dir.hpp"

using namespace keel::config;

namespace {

// Appended after the text under test, so that line numbers in the tests count
// from the first line of the text under test.
constexpr std::string_view three_nodes_toml = R"(
[[node]]
id = "n1"
host = "127.0.0.1"
port = 7101

[[node]]
id = "n2"
host = "127.0.0.1"
port = 7102

[[node]]
id = "n3"
host = "127.0.0.1"
port = 7103
)";

parse_result parse(std::string_view text) {
  return parse_cluster_config(text, "test.conf", "/base");
}

/// The error of `parsed` (from `text`), which must not have parsed.
config_error refusal(const parse_result& parsed, std::string_view text) {
  if (parsed) {
    ADD_FAILURE() << "parsed, but should have failed:\n" << text;
    return {};
  }
  return parsed.error();
}

/// The error for `text`, which must not parse.
config_error error_of(std::string_view text) { return refusal(parse(text), text); }

/// The config for `text`, which must parse.
cluster_config config_of(std::string_view text) {
  auto result = parse(text);
  if (!result) {
    ADD_FAILURE() << "unexpected error: " << result.error().to_string();
    return {};
  }
  return *std::move(result);
}

std::string with_nodes(std::string_view text) {
  return std::string{text} + std::string{three_nodes_toml};
}

/// "n1", "n2", ...: built with append, as GCC 12 warns falsely on "n" + string.
std::string node_name(size_t number) { return std::string{"n"}.append(std::to_string(number)); }

cluster_config nodes_config(size_t node_count, uint32_t replication_factor, uint32_t shards) {
  cluster_config cfg;
  for (size_t i = 0; i < node_count; ++i)
    cfg.nodes.push_back(
      {node_name(i + 1), "127.0.0.1", uint16_t(7101 + i), uint16_t(8101 + i), "", ""});
  cfg.replication_factor = replication_factor;
  cfg.shards = shards;
  return cfg;
}

/// A fresh directory with the files a TLS config names; removed afterwards
/// (the storage tests' temp_dir, with paths as strings).
class tls_dir : public keel::storage::test::temp_dir {
public:
  std::string path() const { return keel::storage::test::temp_dir::path().string(); }

  /// Creates dir/name (and its directories) with some content; returns its path.
  std::string touch(const std::string& name) const {
    auto file = keel::storage::test::temp_dir::path() / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream{file} << "-----BEGIN TEST-----\n";
    return file.string();
  }
};

/// The certificate files of a TLS config for nodes n1..n3, relative to `dir`.
void touch_tls_files(const tls_dir& dir) {
  for (auto name : {"certs/ca.pem", "certs/client.pem", "certs/client.key"})
    dir.touch(name);
  for (int i = 1; i <= 3; ++i) {
    dir.touch("certs/" + node_name(i) + ".pem");
    dir.touch("certs/" + node_name(i) + ".key");
  }
}

/// Three loopback nodes with cert and key (certs/nX.pem, certs/nX.key), after `text`.
std::string tls_nodes(std::string_view text) {
  std::string out{text};
  for (int i = 1; i <= 3; ++i)
    out += "\n[[node]]\nid = \"" + node_name(i)
           + "\"\nhost = \"127.0.0.1\"\nport = " + std::to_string(7100 + i) + "\ncert = \"certs/"
           + node_name(i) + ".pem\"\nkey = \"certs/" + node_name(i) + ".key\"\n";
  return out;
}

parse_result parse_in(const tls_dir& dir, std::string_view text) {
  return parse_cluster_config(text, "test.conf", dir.path());
}

config_error error_in(const tls_dir& dir, std::string_view text) {
  return refusal(parse_in(dir, text), text);
}

} // namespace

// --- valid files --------------------------------------------------------------

TEST(ClusterConfigParse, RepositoryDefaultFileIsAThreeNodeLocalDevCluster) {
  auto path = std::string{KEEL_SOURCE_DIR} + "/cluster.conf";
  auto result = load_cluster_config(path);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  auto& cfg = *result;
  ASSERT_EQ(cfg.nodes.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(cfg.nodes[i].id, node_name(i + 1));
    EXPECT_EQ(cfg.nodes[i].host, "127.0.0.1");
    EXPECT_EQ(cfg.nodes[i].port, 7101 + i);
    EXPECT_EQ(cfg.nodes[i].peer_port, 7201 + i);
    EXPECT_EQ(cfg.nodes[i].http_port, 7301 + i);
  }
  EXPECT_EQ(cfg.metrics.bind, "127.0.0.1"); // development: never off the machine
  EXPECT_EQ(cfg.source, path);
  EXPECT_FALSE(cfg.security.tls()); // [tls] is documented, commented out
  EXPECT_FALSE(cfg.security.insecure_plaintext);
  EXPECT_EQ(cfg.data_dir,
            (std::filesystem::path{KEEL_SOURCE_DIR} / "data").lexically_normal().string());
  EXPECT_EQ(cfg.shards, 4u);
  EXPECT_EQ(cfg.replication_factor, 3u);
  EXPECT_TRUE(cfg.fault_injection);
  EXPECT_EQ(cfg.log.level, "info");
}

TEST(ClusterConfigParse, OmittedSettingsTakeTheDocumentedDefaults) {
  auto cfg = config_of(three_nodes_toml);
  cluster_config defaults;
  EXPECT_EQ(cfg.data_dir, "/base/data");
  EXPECT_EQ(cfg.shards, defaults.shards);
  EXPECT_EQ(cfg.replication_factor, defaults.replication_factor);
  EXPECT_FALSE(cfg.fault_injection);
  EXPECT_EQ(cfg.timing.tick_ms, defaults.timing.tick_ms);
  EXPECT_EQ(cfg.timing.heartbeat_ticks, defaults.timing.heartbeat_ticks);
  EXPECT_EQ(cfg.timing.election_ticks, defaults.timing.election_ticks);
  EXPECT_EQ(cfg.timing.transport_heartbeat_ms, defaults.timing.transport_heartbeat_ms);
  EXPECT_EQ(cfg.timing.connection_timeout_ms, defaults.timing.connection_timeout_ms);
  EXPECT_EQ(cfg.timing.failure_detector_phi, defaults.timing.failure_detector_phi);
  EXPECT_EQ(cfg.limits.max_key_bytes, defaults.limits.max_key_bytes);
  EXPECT_EQ(cfg.limits.max_value_bytes, defaults.limits.max_value_bytes);
  EXPECT_EQ(cfg.actor_threads, 1u);
  EXPECT_FALSE(cfg.log_sync_thread);
  EXPECT_EQ(cfg.leaders, leader_placement::packed);
  EXPECT_EQ(cfg.raft.snapshot_entries, 10000u);
  EXPECT_EQ(cfg.raft.max_entries_in_flight, 2u);
  EXPECT_EQ(cfg.log.level, "info");
  EXPECT_TRUE(cfg.log.to_stderr);
  EXPECT_EQ(cfg.nodes[0].peer_port, 8101); // port + 1000
  EXPECT_EQ(cfg.nodes[2].peer_port, 8103);
  EXPECT_FALSE(cfg.security.tls());
  EXPECT_TRUE(cfg.security.ca_file.empty());
  EXPECT_TRUE(cfg.nodes[0].cert_file.empty());
  EXPECT_FALSE(cfg.security.insecure_plaintext);
  EXPECT_EQ(cfg.security.secret_file, "/base/data/cluster.secret");
}

TEST(ClusterConfigParse, EverySettingIsRead) {
  auto cfg = config_of(with_nodes(R"(
[cluster]
data_dir = "/srv/keel/"
shards = 16
replication_factor = 1
fault_injection = true
actor_threads = 4
log_sync_thread = true
leader_placement = "spread"
[timing]
tick_ms = 5
heartbeat_ticks = 2
election_ticks = 4
transport_heartbeat_ms = 50
connection_timeout_ms = 100
failure_detector_phi = 12
[raft]
snapshot_entries = 500
max_entries_in_flight = 8
[limits]
max_key_bytes = 10
max_value_bytes = 67108864
[log]
level = "debug"
stderr = false
)"));
  EXPECT_EQ(cfg.data_dir, "/srv/keel");
  EXPECT_EQ(cfg.shards, 16u);
  EXPECT_EQ(cfg.replication_factor, 1u);
  EXPECT_TRUE(cfg.fault_injection);
  EXPECT_EQ(cfg.timing.tick_ms, 5u);
  EXPECT_EQ(cfg.timing.heartbeat_ticks, 2u);
  EXPECT_EQ(cfg.timing.election_ticks, 4u);
  EXPECT_EQ(cfg.timing.transport_heartbeat_ms, 50u);
  EXPECT_EQ(cfg.timing.connection_timeout_ms, 100u);
  EXPECT_EQ(cfg.timing.failure_detector_phi, 12.0);
  EXPECT_EQ(cfg.actor_threads, 4u);
  EXPECT_TRUE(cfg.log_sync_thread);
  EXPECT_EQ(cfg.leaders, leader_placement::spread);
  EXPECT_EQ(cfg.raft.snapshot_entries, 500u);
  EXPECT_EQ(cfg.raft.max_entries_in_flight, 8u);
  EXPECT_EQ(cfg.limits.max_key_bytes, 10u);
  EXPECT_EQ(cfg.limits.max_value_bytes, 64u << 20);
  EXPECT_EQ(cfg.log.level, "debug");
  EXPECT_FALSE(cfg.log.to_stderr);
  ASSERT_EQ(cfg.nodes.size(), 3u);
  EXPECT_EQ(cfg.nodes[2].port, 7103);
}

TEST(ClusterConfigParse, RelativeDataDirIsResolvedAgainstTheFileDirectory) {
  auto cfg = config_of(with_nodes("[cluster]\ndata_dir = \"../var/./keel\""));
  EXPECT_EQ(cfg.data_dir, "/var/keel");
  EXPECT_EQ(cfg.node_dir("n2"), "/var/keel/n2");
  EXPECT_EQ(cfg.pid_file_path("n2"), "/var/keel/n2/keel-node.pid");
  EXPECT_EQ(cfg.log_file_path("n2"), "/var/keel/n2/keel-node.log");
}

TEST(ClusterConfigParse, EvenReplicationFactorIsAccepted) {
  // Documented choice: even factors add no fault tolerance but are not wrong.
  EXPECT_EQ(config_of(with_nodes("[cluster]\nreplication_factor = 2")).replication_factor, 2u);
}

TEST(ClusterConfigParse, FindNodeByIdOrNull) {
  auto cfg = config_of(three_nodes_toml);
  ASSERT_NE(cfg.find_node("n2"), nullptr);
  EXPECT_EQ(cfg.find_node("n2")->port, 7102);
  EXPECT_EQ(cfg.find_node("n4"), nullptr);
}

// --- errors: each names the line and the setting ------------------------------

TEST(ClusterConfigError, ToStringIsFileLineSettingMessage) {
  config_error e{"cluster.conf", 12, "timing.election_ticks", "must be more"};
  EXPECT_EQ(e.to_string(), "cluster.conf:12: timing.election_ticks: must be more");
  EXPECT_EQ((config_error{"c.conf", 0, "node", "none"}.to_string()), "c.conf: node: none");
  EXPECT_EQ((config_error{"c.conf", 3, "", "bad"}.to_string()), "c.conf:3: bad");
}

TEST(ClusterConfigError, TomlSyntaxErrorGivesLineAndColumn) {
  auto e = error_of("[cluster]\nshards = 4\nreplication_factor = = 3\n");
  EXPECT_EQ(e.source, "test.conf");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.setting, "");
  EXPECT_NE(e.message.find("TOML syntax error at column"), std::string::npos) << e.message;
}

TEST(ClusterConfigError, RepeatedSettingIsASyntaxError) {
  auto e = error_of("[timing]\ntick_ms = 10\ntick_ms = 20\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_NE(e.message.find("TOML syntax error"), std::string::npos) << e.message;
}

TEST(ClusterConfigError, UnknownSectionSuggestsTheClosestOne) {
  auto e = error_of(with_nodes("[cluster]\nshards = 4\n[timming]\ntick_ms = 10\n"));
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.setting, "timming");
  EXPECT_NE(e.message.find("unknown section [timming]; did you mean 'timing'?"), std::string::npos)
    << e.message;
}

TEST(ClusterConfigError, SettingOutsideAnySectionIsRejected) {
  auto e = error_of(with_nodes("shards = 4\n"));
  EXPECT_EQ(e.line, 1u);
  EXPECT_EQ(e.setting, "shards");
  EXPECT_NE(e.message.find("outside any section"), std::string::npos) << e.message;
}

TEST(ClusterConfigError, MisspeltSettingIsRejectedNotDefaulted) {
  auto e = error_of(with_nodes("[timing]\ntick_ms = 10\nelection_tick = 40\n"));
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.setting, "timing.election_tick");
  EXPECT_NE(e.message.find("did you mean 'election_ticks'?"), std::string::npos) << e.message;
}

TEST(ClusterConfigError, FirstUnknownSettingInFileOrderIsReported) {
  // The table is sorted by key; the report must still follow the file.
  auto e = error_of(with_nodes("[cluster]\nzzz = 1\naaa = 2\n"));
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.setting, "cluster.zzz");
  EXPECT_NE(e.message.find("known settings: data_dir, shards"), std::string::npos) << e.message;
}

TEST(ClusterConfigError, UnknownSettingInNodeNamesTheNode) {
  auto e = error_of(R"([[node]]
id = "n1"
host = "127.0.0.1"
port = 7101
[[node]]
id = "n2"
hots = "127.0.0.1"
)");
  EXPECT_EQ(e.line, 7u);
  EXPECT_EQ(e.setting, "node[2].hots");
  EXPECT_NE(e.message.find("did you mean 'host'?"), std::string::npos) << e.message;
}

TEST(ClusterConfigError, WrongTypeNamesExpectedAndActual) {
  struct bad {
    std::string text;
    uint32_t line;
    std::string setting;
    std::string message;
  };
  const bad cases[] = {
    {"[cluster]\nshards = \"four\"\n", 2, "cluster.shards", "must be an integer (got a string)"},
    {"[cluster]\nshards = 4.0\n", 2, "cluster.shards", "must be an integer (got a float)"},
    {"[cluster]\nfault_injection = \"yes\"\n", 2, "cluster.fault_injection",
     "must be true or false (got a string)"},
    {"[cluster]\ndata_dir = 7\n", 2, "cluster.data_dir", "must be a string (got an integer)"},
    {"[timing]\nfailure_detector_phi = \"8\"\n", 2, "timing.failure_detector_phi",
     "must be a number (got a string)"},
    {"[log]\nstderr = 1\n", 2, "log.stderr", "must be true or false (got an integer)"},
    {"[log]\nlevel = [\"info\"]\n", 2, "log.level", "must be a string (got an array)"},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto e = error_of(with_nodes(c.text));
    EXPECT_EQ(e.line, c.line);
    EXPECT_EQ(e.setting, c.setting);
    EXPECT_EQ(e.message, c.message);
  }
}

TEST(ClusterConfigError, SectionThatIsNotATableIsRejected) {
  auto e = error_of(with_nodes("\ntiming = 5\n"));
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.setting, "timing");
  EXPECT_EQ(e.message, "must be a section [timing] (got an integer)");
}

TEST(ClusterConfigError, SingleNodeTableMustBeAnArrayOfTables) {
  auto e = error_of("[cluster]\nshards = 1\n[node]\nid = \"n1\"\nhost = \"h\"\nport = 1\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.setting, "node");
  EXPECT_NE(e.message.find("write one [[node]] table per node"), std::string::npos) << e.message;
}

TEST(ClusterConfigError, OutOfRangeNumbersNameTheirRange) {
  struct bad {
    std::string text;
    std::string setting;
    std::string message;
  };
  const bad cases[] = {
    {"[cluster]\nshards = 0", "cluster.shards", "must be between 1 and 1024 (got 0)"},
    {"[cluster]\nshards = 1025", "cluster.shards", "must be between 1 and 1024 (got 1025)"},
    {"[cluster]\nreplication_factor = 0", "cluster.replication_factor",
     "must be between 1 and 1024 (got 0)"},
    {"[cluster]\nactor_threads = 0", "cluster.actor_threads", "must be between 1 and 64 (got 0)"},
    {"[cluster]\nactor_threads = 65", "cluster.actor_threads", "must be between 1 and 64 (got 65)"},
    {"[raft]\nmax_entries_in_flight = 0", "raft.max_entries_in_flight",
     "must be between 1 and 1024 (got 0)"},
    {"[raft]\nsnapshot_entries = 9", "raft.snapshot_entries",
     "must be between 10 and 10000000 (got 9)"},
    {"[timing]\ntick_ms = 0", "timing.tick_ms", "must be between 1 and 1000 (got 0)"},
    {"[timing]\ntick_ms = 1001", "timing.tick_ms", "must be between 1 and 1000 (got 1001)"},
    {"[timing]\nheartbeat_ticks = 0", "timing.heartbeat_ticks",
     "must be between 1 and 1000 (got 0)"},
    {"[timing]\nelection_ticks = -3", "timing.election_ticks",
     "must be between 2 and 10000 (got -3)"},
    {"[timing]\ntransport_heartbeat_ms = 5", "timing.transport_heartbeat_ms",
     "must be between 10 and 60000 (got 5)"},
    {"[timing]\nconnection_timeout_ms = 4294967296", "timing.connection_timeout_ms",
     "must be between 20 and 600000 (got 4294967296)"},
    {"[timing]\nfailure_detector_phi = 0.5", "timing.failure_detector_phi",
     "must be between 1 and 32 (got 0.5)"},
    {"[timing]\nfailure_detector_phi = nan", "timing.failure_detector_phi",
     "must be between 1 and 32 (got nan)"},
    {"[limits]\nmax_key_bytes = 0", "limits.max_key_bytes", "must be between 1 and 65536 (got 0)"},
    {"[limits]\nmax_value_bytes = 0", "limits.max_value_bytes",
     "must be between 1 and 67108864 (got 0)"},
    {"[limits]\nmax_value_bytes = 67108865", "limits.max_value_bytes",
     "must be between 1 and 67108864 (got 67108865)"},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto e = error_of(with_nodes(c.text));
    EXPECT_EQ(e.line, 2u);
    EXPECT_EQ(e.setting, c.setting);
    EXPECT_EQ(e.message, c.message);
  }
}

TEST(ClusterConfigError, PortOutOfRange) {
  for (auto port : {"0", "65536", "-1"}) {
    SCOPED_TRACE(port);
    auto e = error_of(std::string{"[[node]]\nid = \"n1\"\nhost = \"h\"\nport = "} + port);
    EXPECT_EQ(e.line, 4u);
    EXPECT_EQ(e.setting, "node[1].port");
    EXPECT_EQ(e.message, std::string{"must be between 1 and 65535 (got "} + port + ")");
  }
}

TEST(ClusterConfigError, ElectionTimeoutMustCoverTwoHeartbeats) {
  auto e = error_of(with_nodes("[timing]\nheartbeat_ticks = 2\nelection_ticks = 3\n"));
  EXPECT_EQ(e.to_string(),
            "test.conf:3: timing.election_ticks: must be at least 2 * heartbeat_ticks = 4 (got 3)");
}

TEST(ClusterConfigError, HeartbeatAboveDefaultElectionTimeoutPointsAtHeartbeat) {
  auto e = error_of(with_nodes("[timing]\n\nheartbeat_ticks = 20\n"));
  EXPECT_EQ(e.line, 3u); // election_ticks is not in the file; the culprit is
  EXPECT_EQ(e.setting, "timing.election_ticks");
  EXPECT_EQ(e.message, "must be at least 2 * heartbeat_ticks = 40 (got 30)");
}

TEST(ClusterConfigError, ConnectionTimeoutMustCoverTwoTransportHeartbeats) {
  auto e
    = error_of(with_nodes("[timing]\ntransport_heartbeat_ms = 300\nconnection_timeout_ms = 500\n"));
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.setting, "timing.connection_timeout_ms");
  EXPECT_EQ(e.message, "must be at least 2 * transport_heartbeat_ms = 600 (got 500)");
}

TEST(ClusterConfigError, NoNodesIsAnError) {
  auto e = error_of("[cluster]\nshards = 4\n");
  EXPECT_EQ(e.line, 0u);
  EXPECT_EQ(e.setting, "node");
  EXPECT_NE(e.message.find("add one [[node]] table"), std::string::npos) << e.message;
  auto empty = error_of("\nnode = []\n[cluster]\nshards = 4\n");
  EXPECT_EQ(empty.line, 2u);
  EXPECT_EQ(empty.setting, "node");
}

TEST(ClusterConfigError, NodeSettingsAreRequired) {
  struct missing {
    std::string text;
    std::string setting;
  };
  const missing cases[] = {
    {"host = \"h\"\nport = 7102", "node[2].id"},
    {"id = \"n2\"\nport = 7102", "node[2].host"},
    {"id = \"n2\"\nhost = \"h\"", "node[2].port"},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto e = error_of("[[node]]\nid = \"n1\"\nhost = \"h\"\nport = 7101\n\n[[node]]\n" + c.text);
    EXPECT_EQ(e.line, 6u); // the [[node]] header of the incomplete node
    EXPECT_EQ(e.setting, c.setting);
    EXPECT_EQ(e.message, "is required");
  }
}

TEST(ClusterConfigError, DuplicateNodeIdPointsAtTheSecond) {
  auto e = error_of(R"([[node]]
id = "n1"
host = "127.0.0.1"
port = 7101
[[node]]
id = "n1"
host = "127.0.0.1"
port = 7102
)");
  EXPECT_EQ(e.line, 6u);
  EXPECT_EQ(e.setting, "node[2].id");
  EXPECT_EQ(e.message, "duplicate node id 'n1' (also node[1])");
}

TEST(ClusterConfigError, DuplicateHostAndPortPointsAtTheSecond) {
  auto e = error_of(R"([[node]]
id = "n1"
host = "127.0.0.1"
port = 7101
[[node]]
id = "n2"
host = "127.0.0.1"
port = 7101
)");
  EXPECT_EQ(e.line, 8u);
  EXPECT_EQ(e.setting, "node[2].port");
  EXPECT_EQ(e.message, "duplicate address 127.0.0.1:7101 (also node[1].port, id 'n1')");
}

TEST(ClusterConfigParse, SameHostDifferentPortsAndSamePortDifferentHostsAreFine) {
  auto cfg = config_of(R"([cluster]
replication_factor = 1
insecure_plaintext = true
[[node]]
id = "n1"
host = "10.0.0.1"
port = 7101
[[node]]
id = "n2"
host = "10.0.0.2"
port = 7101
)");
  EXPECT_EQ(cfg.nodes.size(), 2u);
}

TEST(ClusterConfigError, NodeIdCharactersAndLength) {
  for (auto& id : std::vector<std::string>{"", "n 1", "n/1", "n.1", "ü", std::string(33, 'a')}) {
    SCOPED_TRACE(id);
    auto e = error_of("[cluster]\nreplication_factor = 1\n[[node]]\nid = \"" + id
                      + "\"\nhost = \"h\"\nport = 1");
    EXPECT_EQ(e.line, 4u);
    EXPECT_EQ(e.setting, "node[1].id");
    EXPECT_NE(e.message.find("must be 1 to 32 characters"), std::string::npos) << e.message;
  }
  auto ok = config_of("[cluster]\nreplication_factor = 1\n[[node]]\nid = \"" + std::string(32, 'Z')
                      + "\"\nhost = \"localhost\"\nport = 1\n[[node]]\nid = \"a_B-9\"\nhost = "
                        "\"localhost\"\nport = 2");
  EXPECT_EQ(ok.nodes[1].id, "a_B-9");
}

TEST(ClusterConfigError, EmptyOrMalformedHost) {
  for (std::string host : {"", "my host", "http://h"}) {
    SCOPED_TRACE(host);
    auto e = error_of("[cluster]\nreplication_factor = 1\n[[node]]\nid = \"n1\"\nhost = \"" + host
                      + "\"\nport = 1");
    EXPECT_EQ(e.line, 5u);
    EXPECT_EQ(e.setting, "node[1].host");
  }
}

TEST(ClusterConfigError, EmptyDataDir) {
  auto e = error_of(with_nodes("[cluster]\ndata_dir = \"\""));
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.setting, "cluster.data_dir");
}

TEST(ClusterConfigError, UnknownLogLevelListsTheLevels) {
  auto e = error_of(with_nodes("[log]\nlevel = \"verbose\"\n"));
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.setting, "log.level");
  EXPECT_EQ(e.message,
            "unknown level 'verbose'; use one of trace, debug, info, warn, error, critical, off");
}

TEST(ClusterConfigError, UnknownLeaderPlacementListsThePlacements) {
  auto e = error_of(with_nodes("[cluster]\nleader_placement = \"balanced\"\n"));
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.setting, "cluster.leader_placement");
  EXPECT_EQ(e.message, "unknown placement 'balanced'; use one of packed, spread");
  auto number = error_of(with_nodes("[cluster]\nleader_placement = 1\n"));
  EXPECT_EQ(number.setting, "cluster.leader_placement");
}

TEST(ClusterConfigError, ReplicationFactorAboveNodeCount) {
  auto e = error_of(with_nodes("[cluster]\nshards = 2\nreplication_factor = 5\n"));
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.setting, "cluster.replication_factor");
  EXPECT_EQ(e.message, "must be at most the number of nodes, 3 (got 5)");
  // The default (3) is too large for one node; nothing to point at but the setting.
  auto d = error_of("[[node]]\nid = \"n1\"\nhost = \"h\"\nport = 1\n");
  EXPECT_EQ(d.line, 0u);
  EXPECT_EQ(d.setting, "cluster.replication_factor");
  EXPECT_EQ(d.message, "must be at most the number of nodes, 1 (got 3, the default)");
}

TEST(ClusterConfigError, MissingFileIsAnErrorWithoutLine) {
  auto result = load_cluster_config("/nonexistent/keel/cluster.conf");
  ASSERT_FALSE(result.ok());
  auto& e = result.error();
  EXPECT_EQ(e.source, "/nonexistent/keel/cluster.conf");
  EXPECT_EQ(e.line, 0u);
  EXPECT_NE(e.message.find("cannot open"), std::string::npos) << e.message;
}

TEST(ClusterConfigError, DirectoryIsNotAConfigFile) {
  auto result = load_cluster_config(KEEL_SOURCE_DIR);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().line, 0u);
}

// --- ports: the client port and the peer port -----------------------------------

TEST(ClusterConfigPorts, PeerPortIsReadWhenGiven) {
  auto cfg = config_of("[cluster]\nreplication_factor = 1\n[[node]]\nid = \"n1\"\n"
                       "host = \"127.0.0.1\"\nport = 7101\npeer_port = 9001\n");
  EXPECT_EQ(cfg.nodes[0].port, 7101);
  EXPECT_EQ(cfg.nodes[0].peer_port, 9001);
}

TEST(ClusterConfigPorts, HttpPortIsOffUnlessSetAndBindDefaultsToTheHost) {
  auto off = config_of("[cluster]\nreplication_factor = 1\n[[node]]\nid = \"n1\"\n"
                       "host = \"127.0.0.1\"\nport = 7101\n");
  EXPECT_EQ(off.nodes[0].http_port, 0);
  EXPECT_EQ(off.metrics.bind, ""); // keel-node then binds the node's host
  auto on = config_of("[cluster]\nreplication_factor = 1\n[metrics]\nbind = \"0.0.0.0\"\n"
                      "[[node]]\nid = \"n1\"\nhost = \"127.0.0.1\"\nport = 7101\n"
                      "http_port = 9100\n");
  EXPECT_EQ(on.nodes[0].http_port, 9100);
  EXPECT_EQ(on.metrics.bind, "0.0.0.0");
}

TEST(ClusterConfigPorts, HttpPortMustBeFreeOfTheOtherPortsAndBindAnAddress) {
  auto clash = error_of("[cluster]\nreplication_factor = 1\n[[node]]\nid = \"n1\"\n"
                        "host = \"127.0.0.1\"\nport = 7101\nhttp_port = 8101\n");
  EXPECT_EQ(clash.line, 7u);
  EXPECT_EQ(clash.setting, "node[1].http_port");
  EXPECT_NE(clash.message.find("duplicate address 127.0.0.1:8101"), std::string::npos)
    << clash.message;
  auto range = error_of("[[node]]\nid = \"n1\"\nhost = \"h\"\nport = 1\nhttp_port = 0");
  EXPECT_EQ(range.setting, "node[1].http_port");
  auto bind = error_of("[metrics]\nbind = \"http://x\"\n");
  EXPECT_EQ(bind.line, 2u);
  EXPECT_EQ(bind.setting, "metrics.bind");
  auto unknown = error_of("[metrics]\nport = 1\n");
  EXPECT_EQ(unknown.setting, "metrics.port");
}

TEST(ClusterConfigPorts, PeerPortOutOfRange) {
  for (auto port : {"0", "65536"}) {
    SCOPED_TRACE(port);
    auto e
      = error_of(std::string{"[[node]]\nid = \"n1\"\nhost = \"h\"\nport = 1\npeer_port = "} + port);
    EXPECT_EQ(e.line, 5u);
    EXPECT_EQ(e.setting, "node[1].peer_port");
    EXPECT_EQ(e.message, std::string{"must be between 1 and 65535 (got "} + port + ")");
  }
}

TEST(ClusterConfigPorts, DefaultPeerPortAbove65535MustBeSetExplicitly) {
  auto e = error_of("[cluster]\nreplication_factor = 1\n[[node]]\nid = \"n1\"\n"
                    "host = \"127.0.0.1\"\nport = 64536\n");
  EXPECT_EQ(e.line, 6u); // the port it is derived from
  EXPECT_EQ(e.setting, "node[1].peer_port");
  EXPECT_EQ(e.message, "defaults to port + 1000 = 65536, above 65535: set peer_port explicitly");
  // 64535 + 1000 = 65535 still fits.
  EXPECT_EQ(config_of("[cluster]\nreplication_factor = 1\n[[node]]\nid = \"n1\"\n"
                      "host = \"127.0.0.1\"\nport = 64535\n")
              .nodes[0]
              .peer_port,
            65535);
}

TEST(ClusterConfigPorts, PeerPortMustDifferFromPort) {
  auto e = error_of("[cluster]\nreplication_factor = 1\n[[node]]\nid = \"n1\"\n"
                    "host = \"127.0.0.1\"\nport = 7101\npeer_port = 7101\n");
  EXPECT_EQ(e.line, 7u);
  EXPECT_EQ(e.setting, "node[1].peer_port");
  EXPECT_EQ(e.message, "must differ from port (both are 7101)");
}

TEST(ClusterConfigPorts, PeerPortTakenByAnotherNodesPortOnTheSameHost) {
  auto e = error_of(R"([cluster]
replication_factor = 1
[[node]]
id = "n1"
host = "127.0.0.1"
port = 7101
[[node]]
id = "n2"
host = "127.0.0.1"
port = 7102
peer_port = 7101
)");
  EXPECT_EQ(e.line, 11u);
  EXPECT_EQ(e.setting, "node[2].peer_port");
  EXPECT_EQ(e.message, "duplicate address 127.0.0.1:7101 (also node[1].port, id 'n1')");
}

TEST(ClusterConfigPorts, PortTakenByAnotherNodesDefaultPeerPort) {
  auto e = error_of(R"([cluster]
replication_factor = 1
[[node]]
id = "n1"
host = "127.0.0.1"
port = 7101
[[node]]
id = "n2"
host = "127.0.0.1"
port = 8101
)");
  EXPECT_EQ(e.line, 10u);
  EXPECT_EQ(e.setting, "node[2].port");
  EXPECT_EQ(e.message,
            "duplicate address 127.0.0.1:8101 (also node[1].peer_port, port + 1000 by default, "
            "id 'n1')");
}

TEST(ClusterConfigPorts, DefaultPeerPortTakenByAnotherNodesPeerPort) {
  auto e = error_of(R"([cluster]
replication_factor = 1
[[node]]
id = "n1"
host = "127.0.0.1"
port = 7101
peer_port = 8102
[[node]]
id = "n2"
host = "127.0.0.1"
port = 7102
)");
  EXPECT_EQ(e.line, 11u); // the port the default comes from
  EXPECT_EQ(e.setting, "node[2].peer_port");
  EXPECT_EQ(e.message, "duplicate address 127.0.0.1:8102 (also node[1].peer_port, id 'n1'); "
                       "peer_port defaults to port + 1000: set it explicitly");
}

TEST(ClusterConfigPorts, SamePeerPortOnDifferentHostsIsFine) {
  auto cfg = config_of(R"([cluster]
replication_factor = 1
[[node]]
id = "n1"
host = "127.0.0.1"
port = 7101
peer_port = 7201
[[node]]
id = "n2"
host = "127.0.0.2"
port = 7101
peer_port = 7201
)");
  EXPECT_EQ(cfg.nodes[1].peer_port, 7201);
}

// --- plaintext: loopback only, unless insecure_plaintext ---------------------------

TEST(ClusterConfigSecurity, SecretFileAndInsecurePlaintextAreRead) {
  auto cfg = config_of(with_nodes("[cluster]\ninsecure_plaintext = true\n"
                                  "secret_file = \"../etc/keel.secret\"\n"));
  EXPECT_TRUE(cfg.security.insecure_plaintext);
  EXPECT_EQ(cfg.security.secret_file, "/etc/keel.secret"); // relative to the file's directory
}

TEST(ClusterConfigSecurity, DefaultSecretFileFollowsDataDir) {
  auto cfg = config_of(with_nodes("[cluster]\ndata_dir = \"/srv/keel\"\n"));
  EXPECT_EQ(cfg.security.secret_file, "/srv/keel/cluster.secret");
}

TEST(ClusterConfigSecurity, EmptySecretFileIsAnError) {
  auto e = error_of(with_nodes("[cluster]\nsecret_file = \"\"\n"));
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.setting, "cluster.secret_file");
  EXPECT_EQ(e.message, "must not be empty");
}

TEST(ClusterConfigSecurity, InsecurePlaintextMustBeABoolean) {
  auto e = error_of(with_nodes("[cluster]\ninsecure_plaintext = \"yes\"\n"));
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.setting, "cluster.insecure_plaintext");
  EXPECT_EQ(e.message, "must be true or false (got a string)");
}

TEST(ClusterConfigSecurity, NonLoopbackHostWithoutTlsSaysWhatToSet) {
  auto e = error_of(R"([cluster]
replication_factor = 2
[[node]]
id = "n1"
host = "127.0.0.1"
port = 7101
[[node]]
id = "n2"
host = "10.1.2.3"
port = 7101
)");
  EXPECT_EQ(e.line, 9u);
  EXPECT_EQ(e.setting, "node[2].host");
  EXPECT_EQ(e.message,
            "'10.1.2.3' is not a loopback address and TLS is off, so keys, values and Raft "
            "traffic would cross the network in plaintext: enable TLS ([tls] ca_file, and cert "
            "and key for every node; scripts/gen-certs.sh makes them), or set "
            "insecure_plaintext = true in [cluster] to accept plaintext");
}

TEST(ClusterConfigSecurity, LoopbackHostsNeedNoTls) {
  for (std::string host : {"127.0.0.1", "127.255.3.9", "localhost", "LocalHost", "::1"}) {
    SCOPED_TRACE(host);
    auto cfg = config_of("[cluster]\nreplication_factor = 1\n[[node]]\nid = \"n1\"\nhost = \""
                         + host + "\"\nport = 7101\n");
    EXPECT_EQ(cfg.nodes.size(), 1u);
  }
}

TEST(ClusterConfigSecurity, LookalikesOfLoopbackAreNotLoopback) {
  // A name is whatever DNS says it is; only literal loopback addresses count.
  for (std::string host : {"127.0.0.1.nip.io", "127.1", "128.0.0.1", "::2", "localhost2", "h"}) {
    SCOPED_TRACE(host);
    auto e = error_of("[cluster]\nreplication_factor = 1\n[[node]]\nid = \"n1\"\nhost = \"" + host
                      + "\"\nport = 7101\n");
    EXPECT_EQ(e.setting, "node[1].host");
    EXPECT_NE(e.message.find("insecure_plaintext = true"), std::string::npos) << e.message;
  }
}

TEST(ClusterConfigSecurity, InsecurePlaintextAllowsAnyHost) {
  auto cfg = config_of("[cluster]\nreplication_factor = 1\ninsecure_plaintext = true\n"
                       "[[node]]\nid = \"n1\"\nhost = \"db1.example.com\"\nport = 7101\n");
  EXPECT_EQ(cfg.nodes[0].host, "db1.example.com");
  EXPECT_FALSE(cfg.security.tls());
}

// --- [tls] --------------------------------------------------------------------------

TEST(ClusterConfigTls, RelativePathsBecomeAbsoluteAgainstTheFileDirectory) {
  tls_dir dir;
  touch_tls_files(dir);
  auto result = parse_in(dir, tls_nodes("[tls]\nca_file = \"certs/ca.pem\"\n"
                                        "client_cert = \"./certs/client.pem\"\n"
                                        "client_key = \"certs/../certs/client.key\"\n"));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  auto& cfg = *result;
  EXPECT_TRUE(cfg.security.tls());
  EXPECT_EQ(cfg.security.ca_file, dir.path() + "/certs/ca.pem");
  EXPECT_EQ(cfg.security.client_cert_file, dir.path() + "/certs/client.pem");
  EXPECT_EQ(cfg.security.client_key_file, dir.path() + "/certs/client.key");
  EXPECT_EQ(cfg.nodes[1].cert_file, dir.path() + "/certs/n2.pem");
  EXPECT_EQ(cfg.nodes[1].key_file, dir.path() + "/certs/n2.key");
}

TEST(ClusterConfigTls, TlsAllowsNonLoopbackHostsWithoutInsecurePlaintext) {
  tls_dir dir;
  touch_tls_files(dir);
  auto result = parse_in(dir, "[cluster]\nreplication_factor = 1\n[tls]\nca_file = "
                              "\"certs/ca.pem\"\n[[node]]\nid = \"n1\"\nhost = \"10.0.0.1\"\n"
                              "port = 7101\ncert = \"certs/n1.pem\"\nkey = \"certs/n1.key\"\n");
  ASSERT_TRUE(result.ok()) << result.error().to_string();
}

TEST(ClusterConfigTls, UnknownTlsSettingSuggestsTheClosestOne) {
  auto e = error_of(with_nodes("[tls]\ncafile = \"ca.pem\"\n"));
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.setting, "tls.cafile");
  EXPECT_EQ(e.message, "unknown setting; did you mean 'ca_file'?");
}

TEST(ClusterConfigTls, EveryNodeNeedsCertAndKey) {
  tls_dir dir;
  touch_tls_files(dir);
  auto text = tls_nodes("[tls]\nca_file = \"certs/ca.pem\"\n");
  auto without = [&](const std::string& line) {
    auto out = text;
    out.erase(out.find(line), line.size());
    return out;
  };
  auto e = error_in(dir, without("cert = \"certs/n2.pem\"\n"));
  EXPECT_EQ(e.line, 11u); // the [[node]] header of n2
  EXPECT_EQ(e.setting, "node[2].cert");
  EXPECT_EQ(e.message, "is required with [tls] ca_file: every node presents its own certificate "
                       "(CN = n2, OU = keel-node) and key; scripts/gen-certs.sh makes them");
  EXPECT_EQ(error_in(dir, without("key = \"certs/n3.key\"\n")).setting, "node[3].key");
}

TEST(ClusterConfigTls, FilesMustExistAndBeReadable) {
  tls_dir dir;
  touch_tls_files(dir);
  auto text = tls_nodes("[tls]\nca_file = \"certs/ca.pem\"\n");
  std::filesystem::remove(dir.path() + "/certs/n1.key");
  auto e = error_in(dir, text);
  EXPECT_EQ(e.line, 9u);
  EXPECT_EQ(e.setting, "node[1].key");
  EXPECT_EQ(e.message, "cannot read '" + dir.path() + "/certs/n1.key': No such file or directory");

  auto missing_ca = error_in(dir, tls_nodes("[tls]\nca_file = \"certs/nope.pem\"\n"));
  EXPECT_EQ(missing_ca.line, 2u);
  EXPECT_EQ(missing_ca.setting, "tls.ca_file");
  EXPECT_EQ(missing_ca.message,
            "cannot read '" + dir.path() + "/certs/nope.pem': No such file or directory");

  auto directory = error_in(dir, tls_nodes("[tls]\nca_file = \"certs\"\n"));
  EXPECT_EQ(directory.setting, "tls.ca_file");
  EXPECT_EQ(directory.message, "'" + dir.path() + "/certs' is a directory, not a file");
}

TEST(ClusterConfigTls, ClientCertAndKeyGoTogether) {
  tls_dir dir;
  touch_tls_files(dir);
  auto e = error_in(dir, tls_nodes("[tls]\nca_file = \"certs/ca.pem\"\n"
                                   "client_cert = \"certs/client.pem\"\n"));
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.setting, "tls.client_cert");
  EXPECT_EQ(e.message, "needs tls.client_key too: a certificate is of no use without its key");
  auto k = error_in(dir, tls_nodes("[tls]\nca_file = \"certs/ca.pem\"\n"
                                   "client_key = \"certs/client.key\"\n"));
  EXPECT_EQ(k.setting, "tls.client_key");
}

TEST(ClusterConfigTls, ClientFilesMustBeReadableToo) {
  tls_dir dir;
  touch_tls_files(dir);
  auto e = error_in(dir, tls_nodes("[tls]\nca_file = \"certs/ca.pem\"\n"
                                   "client_cert = \"certs/client.pem\"\n"
                                   "client_key = \"certs/operator.key\"\n"));
  EXPECT_EQ(e.line, 4u);
  EXPECT_EQ(e.setting, "tls.client_key");
  EXPECT_NE(e.message.find("operator.key': No such file"), std::string::npos) << e.message;
}

TEST(ClusterConfigTls, NodeCertWithoutCaFileIsAnError) {
  auto e = error_of("[cluster]\nreplication_factor = 1\n[[node]]\nid = \"n1\"\n"
                    "host = \"127.0.0.1\"\nport = 7101\nkey = \"n1.key\"\n");
  EXPECT_EQ(e.line, 7u);
  EXPECT_EQ(e.setting, "node[1].key");
  EXPECT_EQ(e.message, "needs [tls] ca_file: node certificates are used only with TLS (set "
                       "ca_file in [tls], or remove cert and key)");
}

TEST(ClusterConfigTls, ClientCertWithoutCaFileIsAnError) {
  auto e = error_of(with_nodes("[tls]\nclient_cert = \"c.pem\"\nclient_key = \"c.key\"\n"));
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.setting, "tls.client_cert");
  EXPECT_EQ(e.message, "needs tls.ca_file: without it TLS is off and no certificate is used");
}

// --- placement ------------------------------------------------------------------

TEST(ClusterPlacement, ReplicasFollowNodeOrderFromTheShard) {
  auto cfg = nodes_config(3, 3, 4);
  cfg.leaders = leader_placement::spread;
  EXPECT_EQ(cfg.replicas_of(0), (std::vector<std::string>{"n1", "n2", "n3"}));
  EXPECT_EQ(cfg.replicas_of(1), (std::vector<std::string>{"n2", "n3", "n1"}));
  EXPECT_EQ(cfg.replicas_of(3), (std::vector<std::string>{"n1", "n2", "n3"}));
  auto two = nodes_config(5, 2, 8);
  two.leaders = leader_placement::spread;
  EXPECT_EQ(two.replicas_of(4), (std::vector<std::string>{"n5", "n1"}));
}

TEST(ClusterPlacement, SpreadPreferredLeadersRoundRobin) {
  auto cfg = nodes_config(5, 3, 10);
  cfg.leaders = leader_placement::spread;
  std::map<std::string, int> leads;
  for (uint32_t s = 0; s < cfg.shards; ++s) {
    auto leader = cfg.replicas_of(s).front();
    EXPECT_EQ(leader, cfg.nodes[s % 5].id);
    ++leads[leader];
  }
  ASSERT_EQ(leads.size(), 5u);
  for (auto& [node, count] : leads)
    EXPECT_EQ(count, 2) << node;
}

TEST(ClusterPlacement, PackedPrefersEachShardsFirstReplicaInNodeOrder) {
  auto cfg = nodes_config(3, 3, 8);
  ASSERT_EQ(cfg.leaders, leader_placement::packed); // the default
  for (uint32_t s = 0; s < cfg.shards; ++s)
    EXPECT_EQ(cfg.replicas_of(s), (std::vector<std::string>{"n1", "n2", "n3"})) << s;
  // With fewer replicas than nodes, a shard that n1 does not hold prefers
  // the first node that holds it.
  auto five = nodes_config(5, 3, 5);
  std::vector<std::string> preferred;
  for (uint32_t s = 0; s < five.shards; ++s)
    preferred.push_back(five.replicas_of(s).front());
  EXPECT_EQ(preferred, (std::vector<std::string>{"n1", "n2", "n3", "n1", "n1"}));
}

TEST(ClusterPlacement, ThePlacementDoesNotMoveData) {
  for (size_t n = 1; n <= 7; ++n)
    for (uint32_t rf = 1; rf <= n; ++rf) {
      auto packed = nodes_config(n, rf, 20);
      auto spread = packed;
      spread.leaders = leader_placement::spread;
      for (uint32_t s = 0; s < packed.shards; ++s) {
        auto a = packed.replicas_of(s);
        auto b = spread.replicas_of(s);
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        EXPECT_EQ(a, b) << "nodes=" << n << " rf=" << rf << " shard=" << s;
      }
    }
}

TEST(ClusterPlacement, NeverTwoReplicasOfAShardOnOneNode) {
  for (size_t n = 1; n <= 7; ++n)
    for (uint32_t rf = 1; rf <= n; ++rf) {
      auto cfg = nodes_config(n, rf, 20);
      for (uint32_t s = 0; s < cfg.shards; ++s) {
        auto replicas = cfg.replicas_of(s);
        std::set<std::string> distinct(replicas.begin(), replicas.end());
        EXPECT_EQ(replicas.size(), rf);
        EXPECT_EQ(distinct.size(), rf) << "nodes=" << n << " rf=" << rf << " shard=" << s;
      }
    }
}

TEST(ClusterPlacement, PlacementIsDeterministic) {
  auto a = nodes_config(4, 3, 16);
  auto b = nodes_config(4, 3, 16);
  for (uint32_t s = 0; s < 16; ++s)
    EXPECT_EQ(a.replicas_of(s), b.replicas_of(s));
}

TEST(ClusterPlacement, ShardsOnIsTheInverseOfReplicasOf) {
  auto cfg = nodes_config(4, 2, 6);
  for (auto& node : cfg.nodes) {
    auto shards = cfg.shards_on(node.id);
    EXPECT_TRUE(std::is_sorted(shards.begin(), shards.end()));
    for (uint32_t s = 0; s < cfg.shards; ++s) {
      auto replicas = cfg.replicas_of(s);
      bool holds = std::find(replicas.begin(), replicas.end(), node.id) != replicas.end();
      bool listed = std::find(shards.begin(), shards.end(), s) != shards.end();
      EXPECT_EQ(holds, listed) << node.id << " shard " << s;
    }
  }
  EXPECT_EQ(cfg.shards_on("n1"), (std::vector<uint32_t>{0, 3, 4}));
  EXPECT_TRUE(cfg.shards_on("nobody").empty());
}

// --- shard_of -------------------------------------------------------------------

TEST(ShardOf, IsFnv1a64ModuloShards) {
  // FNV-1a 64 reference values: "" -> 0xcbf29ce484222325, "a" -> 0xaf63dc4c8601ec8c.
  EXPECT_EQ(shard_of("", 1u << 31), 0xcbf29ce484222325ull % (1u << 31));
  EXPECT_EQ(shard_of("a", 1000003), 0xaf63dc4c8601ec8cull % 1000003);
  // Pinned: changing these re-maps every stored key to another shard.
  EXPECT_EQ(shard_of("", 4), 1u);
  EXPECT_EQ(shard_of("a", 4), 0u);
  EXPECT_EQ(shard_of("foo", 4), 3u);
  EXPECT_EQ(shard_of("k7", 16), 7u);
  EXPECT_EQ(shard_of("user:42", 16), 2u);
}

TEST(ShardOf, OneShardTakesEveryKey) {
  for (auto key : {"", "a", "zzz", "user:1"})
    EXPECT_EQ(shard_of(key, 1), 0u);
}

TEST(ShardOf, KeysSpreadRoughlyUniformly) {
  constexpr uint32_t shards = 16;
  constexpr int keys = 160000;
  std::vector<int> count(shards);
  for (int i = 0; i < keys; ++i)
    ++count[shard_of("key-" + std::to_string(i), shards)];
  for (uint32_t s = 0; s < shards; ++s)
    EXPECT_NEAR(count[s], keys / shards, keys / shards / 20) << "shard " << s; // within 5%
}
