// The dashboard in a real browser (headless Chromium through chromedriver,
// tests/support/webdriver.hpp): the page served by n1 shows the merged live
// tree of every node, a restart count going up after `keelctl fault crash`,
// an actor crashed from the page's own button, and after `kill -9` of a
// shard's leader, that node unreachable and the shard's new leader. The last
// screenshot is written to <build>/dashboard.png (the README's picture).
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
  test::local_cluster c{3, 4, 3};
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
