// System tests of the operator's metrics: each node's HTTP endpoint serves
// Prometheus text that a strict parser accepts (actors/metrics/core/
// exposition.hpp), its counters move under keel-bench's load, restarts are
// counted by path and exit class, `keelctl metrics` shows the same families,
// and a hostile or wrong request gets a clear refusal without harming the node.
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "actors/metrics/core/exposition.hpp"
#include "local_cluster.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;

// GET /metrics of `node`, parsed; fails the test on anything but valid text.
std::vector<metrics::family> scrape(const test::local_cluster& c, const std::string& node) {
  httplib::Client http("127.0.0.1", c.http_port(node));
  http.set_read_timeout(10, 0);
  auto res = http.Get("/metrics");
  if (!res) {
    ADD_FAILURE() << "GET /metrics of " << node << ": " << httplib::to_string(res.error());
    return {};
  }
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  auto parsed = metrics::parse_exposition(res->body);
  if (!parsed) {
    ADD_FAILURE() << "invalid exposition from " << node << ", line " << parsed.error().line << ": "
                  << parsed.error().what << "\n"
                  << res->body;
    return {};
  }
  return std::move(parsed).value();
}

// A counter summed over every node.
double cluster_sum(const std::vector<std::vector<metrics::family>>& by_node,
                   const std::string& name, const metrics::labels& match = {}) {
  double total = 0;
  for (auto& fams : by_node)
    total += metrics::sum_values(fams, name, match);
  return total;
}

std::vector<std::vector<metrics::family>> scrape_all(const test::local_cluster& c) {
  std::vector<std::vector<metrics::family>> out;
  for (auto& id : c.node_ids())
    out.push_back(scrape(c, id));
  return out;
}

// The commit that `program --version` names: "<name> <version> (commit C)",
// C being 12 hex digits (with "-dirty-" and 8 more for a build of a changed
// checkout) or "unknown" outside a git checkout. Fails the test on any other
// text.
std::string commit_in_version(const std::string& program, const std::string& name) {
  auto r = test::run_program(program, {"--version"}, 10s);
  EXPECT_EQ(r.code, 0) << r.err;
  static const std::regex form{
    R"(^(\S+) \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-dirty-[0-9a-f]{8})?|unknown)\)\n$)"};
  std::smatch m;
  if (!std::regex_match(r.out, m, form) || m[1] != name) {
    ADD_FAILURE() << program << " --version printed '" << r.out << "'";
    return {};
  }
  return m[2];
}

TEST(Metrics, EveryBinaryNamesTheCommitItWasBuiltFrom) {
  // What a benchmark prints beside its figures (bench/cpu-per-write.sh,
  // bench/compare-etcd.sh), so that a figure names the build it measured.
  std::string commit;
  for (std::string name : {"keel-node", "keelctl", "keel-bench", "keel-jepsen"}) {
    auto c = commit_in_version(std::string{KEEL_BIN_DIR} + "/" + name, name);
    ASSERT_FALSE(c.empty()) << name;
    if (commit.empty())
      commit = c;
    EXPECT_EQ(c, commit) << name << " was built from another commit than keel-node";
  }
}

TEST(Metrics, EveryNodeServesValidTextWhoseCountersMoveUnderKeelBench) {
  test::local_cluster c{3, 4, 3};
  c.start_all();
  ASSERT_TRUE(test::eventually([&] { return c.keelctl({"put", "warm", "up"}).code == 0; }, 20s));
  // Every node connected to both others (TLS handshakes may still be running).
  EXPECT_TRUE(test::eventually(
    [&] {
      for (auto& fams : scrape_all(c))
        if (metrics::sum_values(fams, "keel_peer_connected") != 2)
          return false;
      return true;
    },
    10s));
  auto before = scrape_all(c);
  ASSERT_EQ(before.size(), 3u);
  auto commit = commit_in_version(std::string{KEEL_BIN_DIR} + "/keel-node", "keel-node");
  for (auto& fams : before) {
    EXPECT_EQ(metrics::find_value(fams, "keel_build_info"), 1);
    // The allocator CMake linked (KEEL_MALLOC) is the one the node runs.
    EXPECT_EQ(metrics::find_value(fams, "keel_build_info", {{"malloc", KEEL_NODE_MALLOC}}), 1);
    // The build it runs is the one --version names.
    EXPECT_EQ(metrics::find_value(fams, "keel_build_info", {{"commit", commit}}), 1) << commit;
  }

  auto bench = test::run_program(std::string{KEEL_BIN_DIR} + "/keel-bench",
                                 {"--config", c.config_path(), "--json", "load", "--clients", "4",
                                  "--duration", "2", "--warmup", "0.5", "--mix", "mixed"},
                                 60s);
  ASSERT_EQ(bench.code, 0) << bench.err;
  auto report = nlohmann::json::parse(bench.out);
  auto ops = report["ops"].get<double>();
  ASSERT_GT(ops, 0);
  auto after = scrape_all(c);

  // Every operation keel-bench counted was answered by some node, and counted
  // there (plus the preload's writes and retries after a redirect).
  auto requests = [](auto& by_node) { return cluster_sum(by_node, "keel_requests_total"); };
  EXPECT_GE(requests(after) - requests(before), ops);
  EXPECT_GT(cluster_sum(after, "keel_requests_total", {{"op", "get"}, {"outcome", "ok"}}), 0);
  EXPECT_GT(cluster_sum(after, "keel_requests_total", {{"op", "put"}, {"outcome", "ok"}}), 0);
  for (const char* counter :
       {"keel_raft_proposals_total", "keel_raft_committed_entries_total",
        "keel_raft_applied_entries_total", "keel_storage_fsyncs_total",
        "keel_transport_sent_bytes_total", "keel_transport_received_messages_total",
        "keel_request_duration_seconds_count", "keel_storage_fsync_duration_seconds_count",
        "keel_request_batch_size_count"})
    EXPECT_GT(cluster_sum(after, counter), cluster_sum(before, counter)) << counter;
  // Each shard has one leader, and every replica reports the shard's term.
  EXPECT_EQ(cluster_sum(after, "keel_raft_is_leader"), 4);
  for (auto& fams : after)
    EXPECT_EQ(metrics::find_value(fams, "keel_raft_term", {{"shard", "0"}}).has_value(), true);

  // keelctl metrics: the same families, parsed from the same text.
  auto json = c.keelctl({"metrics", "--node", "n2", "-w", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  auto doc = nlohmann::json::parse(json.out);
  ASSERT_EQ(doc["nodes"].size(), 1u);
  std::set<std::string> from_keelctl, from_http;
  for (auto& f : doc["nodes"][0]["families"])
    from_keelctl.insert(f["name"].get<std::string>());
  for (auto& f : scrape(c, "n2"))
    from_http.insert(f.name);
  EXPECT_EQ(from_keelctl, from_http);
  auto text = c.keelctl({"metrics"});
  ASSERT_EQ(text.code, 0) << text.err;
  auto merged = metrics::parse_exposition(text.out); // every node's, as one valid text
  ASSERT_TRUE(merged.ok()) << text.out;
  for (auto node : {"n1", "n2", "n3"})
    EXPECT_EQ(metrics::find_value(merged.value(), "keel_build_info", {{"node", node}}), 1) << node;
}

TEST(Metrics, RestartsAreCountedByPathAndExitClass) {
  test::local_cluster c{1, 2, 1};
  ASSERT_TRUE(c.start("n1"));
  auto storage = std::string{"/n1/shards/shard-1/storage"};
  auto replica = std::string{"/n1/shards/shard-1/replica"};
  auto restarts = [&](const std::string& path, const char* why) {
    return metrics::find_value(scrape(c, "n1"), "keel_supervisor_restarts_total",
                               {{"path", path}, {"exit_class", why}})
      .value_or(0);
  };
  EXPECT_EQ(restarts(storage, "abnormal"), 0);
  ASSERT_EQ(c.keelctl({"fault", "crash", "n1", storage}).code, 0);
  // rest_for_one: the storage actor crashed, its replica was stopped after it.
  EXPECT_TRUE(test::eventually([&] { return restarts(storage, "abnormal") == 1; }, 10s));
  EXPECT_TRUE(test::eventually([&] { return restarts(replica, "shutdown") == 1; }, 10s));
}

TEST(Metrics, WrongAndHostileRequestsAreRefusedAndTheNodeServesOn) {
  test::local_cluster c{1, 1, 1};
  ASSERT_TRUE(c.start("n1"));
  httplib::Client http("127.0.0.1", c.http_port("n1"));
  http.set_read_timeout(10, 0);
  auto missing = http.Get("/nothing-here");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("GET /nothing-here is not served here"), std::string::npos);
  auto post = http.Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_GE(post->status, 400);
  // A body far above the endpoint's limit is refused before it is read.
  auto huge = http.Post("/metrics", std::string(1 << 20, 'x'), "application/json");
  EXPECT_TRUE(!huge || huge->status == 413) << (huge ? huge->status : 0);
  // A request line that is not HTTP at all.
  {
    httplib::Client raw("127.0.0.1", c.http_port("n1"));
    auto garbage = raw.Get(std::string(10000, '/'));
    EXPECT_TRUE(!garbage || garbage->status >= 400);
  }
  EXPECT_FALSE(scrape(c, "n1").empty());
  EXPECT_EQ(c.keelctl({"put", "still", "here"}).code, 0);
}

TEST(Metrics, AnHttpPortInUseStopsTheNodeAtStartNamingTheSetting) {
  test::local_cluster c{1, 1, 1};
  httplib::Server squatter;
  ASSERT_TRUE(squatter.bind_to_port("127.0.0.1", c.http_port("n1")));
  auto r = c.start_expecting_exit("n1");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot listen for HTTP on 127.0.0.1:" + std::to_string(c.http_port("n1"))),
            std::string::npos)
    << r.err;
  EXPECT_NE(r.err.find("http_port"), std::string::npos) << r.err;
}

} // namespace
