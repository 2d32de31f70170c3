// The dashboard in a real browser (headless Chromium through chromedriver,
// tests/support/webdriver.hpp): the page served by n1 shows the merged live
// tree of every node, a restart count going up after `keelctl fault crash`,
// an actor crashed from the page's own button, and after `kill -9` of a
// shard's leader, that node unreachable and the shard's new leader. The last
// screenshot is written to <build>/dashboard.png (the README's picture).
// DashboardApi.*: the page's fault requests (POST /api/fault), and who may
// not make them.
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "actors/client/client.hpp"
#include "local_cluster.hpp"
#include "webdriver.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;

// The selector of the restart count of the actor at `path`.
std::string restarts_of(const std::string& path) {
  return "li[data-path=\"" + path + "\"] > .actor .restarts";
}

TEST(Dashboard, ShowsRestartsAndTheNewLeaderAsTheyHappen) {
  // Spread, so that n2 and n3 lead shards: the page must outlive their leader.
  test::local_cluster c{3, 4, 3, "leader_placement = \"spread\"\n"};
  c.start_all();
  ASSERT_TRUE(test::eventually([&] { return c.keelctl({"put", "k", "v"}).code == 0; }, 20s));
  test::webdriver browser{c.dir()};
  browser.go("http://127.0.0.1:" + std::to_string(c.http_port("n1")) + "/");
  auto shows = [&](const std::string& selector, const std::string& want) {
    return test::eventually([&] { return browser.text(selector) == want; }, 15s);
  };

  // The merged tree: every node's actors, with their restart counts.
  auto storage = std::string{"/n1/shards/shard-0/storage"};
  ASSERT_TRUE(shows(restarts_of(storage), "0")) << browser.text("#summary").value_or("");
  for (auto path : {"/n2/shards/shard-3/replica", "/n3/service", "/n2/replication/gate"})
    EXPECT_TRUE(shows(restarts_of(path), "0")) << path;

  // A crash from the command line: the page's count goes up by itself.
  ASSERT_EQ(c.keelctl({"fault", "crash", "n1", storage}).code, 0);
  EXPECT_TRUE(shows(restarts_of(storage), "1"));
  EXPECT_TRUE(shows(restarts_of("/n1/shards/shard-0/replica"), "1")); // rest_for_one

  // A crash from the page's own button (POST /api/fault, signed by n1 with
  // the cluster secret). With TLS the page has no operator certificate, and
  // says so instead of offering the buttons.
  if (c.tls()) {
    EXPECT_TRUE(test::eventually(
      [&] { return browser.text("#faults-off").value_or("").find("TLS") != std::string::npos; },
      15s));
  } else {
    auto victim = std::string{"/n3/shards/shard-2/storage"};
    browser.click("li[data-path=\"" + victim + "\"] > button.crash");
    EXPECT_TRUE(shows(restarts_of(victim), "1")) << browser.text("#fault-result").value_or("");
  }

  // kill -9 of the leader of a shard n1 does not lead: the page, still served
  // by n1, shows that node unreachable and another leader for the shard.
  std::string shard, old_leader;
  ASSERT_TRUE(test::eventually(
    [&] {
      for (auto s : {"0", "1", "2", "3"}) {
        auto leader = browser.text("tr[data-shard=\"" + std::string{s} + "\"] .leader");
        if (leader && (*leader == "n2" || *leader == "n3")) {
          shard = s;
          old_leader = *leader;
          return true;
        }
      }
      return false;
    },
    15s));
  c.kill9(old_leader);
  EXPECT_TRUE(shows(".node[data-node=\"" + old_leader + "\"] .reachable", "unreachable"));
  auto leader_cell = "tr[data-shard=\"" + shard + "\"] .leader";
  EXPECT_TRUE(test::eventually(
    [&] {
      auto now = browser.text(leader_cell);
      return now && (*now == "n1" || *now == "n2" || *now == "n3") && *now != old_leader;
    },
    15s))
    << "shard " << shard << " still shows " << browser.text(leader_cell).value_or("nothing");

  // The two survivors elect a leader for every shard, and serve writes,
  // which the page's sparklines show.
  client::runtime rt{c.transport()};
  client::session writer{rt, c.client_options()};
  EXPECT_TRUE(test::eventually(
    [&] {
      for (int i = 0; i < 20; ++i)
        (void)writer.put("key" + std::to_string(i), "value");
      for (auto s : {"0", "1", "2", "3"}) {
        auto leader = browser.text("tr[data-shard=\"" + std::string{s} + "\"] .leader");
        if (!leader || *leader == "none" || leader->back() == '?')
          return false;
      }
      return true;
    },
    20s));
  // Under that load n1's throughput line shows requests per second.
  EXPECT_TRUE(test::eventually(
    [&] {
      for (int i = 0; i < 20; ++i)
        (void)writer.put("key" + std::to_string(i), "value");
      auto spark = browser.text(".node[data-node=\"n1\"] .spark").value_or("requests/s 0");
      return spark != "requests/s 0";
    },
    20s));
  std::ofstream(std::string{KEEL_BUILD_DIR} + "/dashboard.png", std::ios::binary)
    << browser.screenshot();
}

} // namespace

namespace {

// POST /api/fault as the page sends it (or as a forger would, without the
// page's header or from a name that is not loopback).
httplib::Result post_fault(const test::local_cluster& c, const std::string& body,
                           const httplib::Headers& headers) {
  httplib::Client http("127.0.0.1", c.http_port("n1"));
  http.set_read_timeout(20, 0);
  return http.Post("/api/fault", headers, body, "application/json");
}

TEST(DashboardApi, PartitionsAndHealsFromThePageOnlyWithItsHeaderAndALoopbackHost) {
  test::local_cluster c{3, 2, 3};
  if (c.tls())
    GTEST_SKIP() << "the page takes no faults on a TLS cluster (Dashboard.* checks it says so)";
  c.start_all();
  ASSERT_TRUE(test::eventually([&] { return c.keelctl({"put", "k", "v"}).code == 0; }, 20s));
  auto partition = R"({"kind": "partition", "node": "n1", "peer": "n2"})";
  httplib::Headers page{{"X-Keel-Dashboard", "1"}};

  // Without the page's header, or with a Host that is not loopback: 403, nothing done.
  auto forged = post_fault(c, partition, {});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  auto rebound = post_fault(c, partition, {{"X-Keel-Dashboard", "1"}, {"Host", "evil.example:80"}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403);
  auto members = c.keelctl({"members", "--json"});
  ASSERT_EQ(members.code, 0) << members.err;
  EXPECT_EQ(members.out.find("partition"), std::string::npos) << members.out;

  // Malformed requests: 400 with the reason.
  for (auto bad : {"not json", R"({"kind": 7})", R"({"kind": "partition", "node": "n1"})",
                   R"({"kind": "crash", "node": "n9", "path": "/n9"})", R"({"kind": "melt"})"}) {
    auto r = post_fault(c, bad, page);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad << ": " << r->body;
  }

  // The page's partition: both sides drop each other's traffic; heal undoes it.
  auto made = post_fault(c, partition, page);
  ASSERT_TRUE(made);
  EXPECT_EQ(made->status, 200) << made->body;
  EXPECT_TRUE(test::eventually(
    [&] {
      auto m = c.keelctl({"members", "--json"});
      return m.code == 0 && m.out.find("partition") != std::string::npos;
    },
    10s));
  auto healed = post_fault(c, R"({"kind": "heal"})", page);
  ASSERT_TRUE(healed);
  EXPECT_EQ(healed->status, 200) << healed->body;
  // The membership view samples the transport, so it follows a moment later.
  EXPECT_TRUE(test::eventually(
    [&] {
      members = c.keelctl({"members", "--json"});
      return members.code == 0 && members.out.find("partition") == std::string::npos;
    },
    10s))
    << members.out;
}

TEST(DashboardApi, TakesNoFaultsWhenTheClusterDisablesThem) {
  test::local_cluster c{1, 1, 1, "fault_injection = false\n"};
  ASSERT_TRUE(c.start("n1"));
  httplib::Client http("127.0.0.1", c.http_port("n1"));
  http.set_read_timeout(20, 0);
  auto view = http.Get("/api/cluster");
  ASSERT_TRUE(view);
  ASSERT_EQ(view->status, 200);
  auto doc = nlohmann::json::parse(view->body);
  EXPECT_FALSE(doc["faults_allowed"].get<bool>());
  EXPECT_NE(doc["faults_off"].get<std::string>().find("fault_injection = true"), std::string::npos);
  EXPECT_EQ(doc["nodes"][0]["id"], "n1");
  auto crash
    = http.Post("/api/fault", {{"X-Keel-Dashboard", "1"}},
                R"({"kind": "crash", "node": "n1", "path": "/n1/service"})", "application/json");
  ASSERT_TRUE(crash);
  EXPECT_EQ(crash->status, 403);
}

} // namespace
