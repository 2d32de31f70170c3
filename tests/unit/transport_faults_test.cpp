// Fault rules of the transport (keelctl fault): partition, drop rate, delay
// and heal, their validation, and the reproducibility of seeded drops.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/replication/core/transport_faults.hpp"

namespace {

using keel::transport::fault_rules;
namespace admin = keel::admin;

fault_rules make_rules(uint64_t seed = 7) { return fault_rules({"n2", "n3"}, seed); }

admin::FaultRequest partition_req(const std::string& peer) {
  admin::FaultRequest r;
  r.mutable_partition()->set_peer(peer);
  return r;
}

admin::FaultRequest drop_req(const std::string& peer, uint32_t percent) {
  admin::FaultRequest r;
  r.mutable_drop()->set_peer(peer);
  r.mutable_drop()->set_percent(percent);
  return r;
}

admin::FaultRequest delay_req(const std::string& peer, uint32_t ms) {
  admin::FaultRequest r;
  r.mutable_delay()->set_peer(peer);
  r.mutable_delay()->set_ms(ms);
  return r;
}

admin::FaultRequest heal_req() {
  admin::FaultRequest r;
  r.mutable_heal();
  return r;
}

int drops_out_of(fault_rules& rules, const std::string& peer, int n) {
  int dropped = 0;
  for (int i = 0; i < n; ++i)
    dropped += rules.drops(peer) ? 1 : 0;
  return dropped;
}

TEST(TransportFaults, NoRulesDropNothing) {
  auto rules = make_rules();
  EXPECT_TRUE(rules.empty());
  EXPECT_EQ(drops_out_of(rules, "n2", 1000), 0);
  EXPECT_EQ(rules.delay_ms("n2"), 0u);
}

TEST(TransportFaults, PartitionDropsEverythingWithThatPeerOnly) {
  auto rules = make_rules();
  auto resp = rules.apply(partition_req("n2"));
  EXPECT_TRUE(resp.ok()) << resp.error();
  EXPECT_TRUE(rules.partitioned("n2"));
  EXPECT_EQ(drops_out_of(rules, "n2", 100), 100);
  EXPECT_EQ(drops_out_of(rules, "n3", 100), 0);
  EXPECT_EQ(rules.describe("n2"), std::vector<std::string>{"partition"});
}

TEST(TransportFaults, HealRemovesEveryRule) {
  auto rules = make_rules();
  rules.apply(partition_req("n2"));
  rules.apply(drop_req("n3", 50));
  rules.apply(delay_req("n3", 100));
  auto resp = rules.apply(heal_req());
  EXPECT_TRUE(resp.ok());
  EXPECT_TRUE(rules.empty());
  EXPECT_FALSE(rules.partitioned("n2"));
  EXPECT_EQ(drops_out_of(rules, "n2", 100) + drops_out_of(rules, "n3", 100), 0);
  EXPECT_EQ(rules.delay_ms("n3"), 0u);
}

TEST(TransportFaults, DropRateDropsAboutThatShare) {
  auto rules = make_rules();
  ASSERT_TRUE(rules.apply(drop_req("n2", 30)).ok());
  auto dropped = drops_out_of(rules, "n2", 10'000);
  // Binomial(10000, 0.3): sd = 46; 5 sd either side.
  EXPECT_NEAR(dropped, 3000, 230);
  EXPECT_EQ(drops_out_of(rules, "n3", 1000), 0);
  EXPECT_EQ(rules.describe("n2"), std::vector<std::string>{"drop 30%"});
}

TEST(TransportFaults, DropRateExtremesAreExact) {
  auto rules = make_rules();
  rules.set_drop_percent("n2", 100);
  EXPECT_EQ(drops_out_of(rules, "n2", 1000), 1000);
  rules.set_drop_percent("n2", 0); // 0 removes the rule
  EXPECT_TRUE(rules.empty());
  EXPECT_EQ(drops_out_of(rules, "n2", 1000), 0);
}

TEST(TransportFaults, SameSeedSameDrops) {
  auto a = make_rules(99);
  auto b = make_rules(99);
  auto c = make_rules(100);
  for (auto* r : {&a, &b, &c})
    r->set_drop_percent("n2", 50);
  std::vector<bool> da, db, dc;
  for (int i = 0; i < 200; ++i) {
    da.push_back(a.drops("n2"));
    db.push_back(b.drops("n2"));
    dc.push_back(c.drops("n2"));
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
}

TEST(TransportFaults, DelayIsPerPeerAndZeroRemovesIt) {
  auto rules = make_rules();
  ASSERT_TRUE(rules.apply(delay_req("n3", 120)).ok());
  EXPECT_EQ(rules.delay_ms("n3"), 120u);
  EXPECT_EQ(rules.delay_ms("n2"), 0u);
  EXPECT_EQ(drops_out_of(rules, "n3", 100), 0); // delayed, not lost
  EXPECT_EQ(rules.describe("n3"), std::vector<std::string>{"delay 120ms"});
  rules.apply(delay_req("n3", 0));
  EXPECT_TRUE(rules.empty());
}

TEST(TransportFaults, RulesCombineOnOnePeer) {
  auto rules = make_rules();
  rules.apply(drop_req("n2", 10));
  rules.apply(delay_req("n2", 5));
  rules.apply(partition_req("n2"));
  EXPECT_EQ(rules.describe("n2"), (std::vector<std::string>{"partition", "drop 10%", "delay 5ms"}));
  EXPECT_EQ(drops_out_of(rules, "n2", 100), 100); // the partition wins
}

TEST(TransportFaults, UnknownPeerIsRefused) {
  auto rules = make_rules();
  for (auto req : {partition_req("n9"), drop_req("n9", 5), delay_req("n9", 5),
                   partition_req("n1") /* this node itself is not a peer */}) {
    auto resp = rules.apply(req);
    EXPECT_FALSE(resp.ok());
    EXPECT_NE(resp.error().find("unknown peer"), std::string::npos) << resp.error();
  }
  EXPECT_TRUE(rules.empty());
}

TEST(TransportFaults, PercentageAboveHundredIsRefused) {
  auto rules = make_rules();
  auto resp = rules.apply(drop_req("n2", 101));
  EXPECT_FALSE(resp.ok());
  EXPECT_TRUE(rules.empty());
}

TEST(TransportFaults, CrashIsNotATransportFault) {
  auto rules = make_rules();
  admin::FaultRequest r;
  r.set_crash_path("/n1/shards/shard-0/storage");
  auto resp = rules.apply(r);
  EXPECT_FALSE(resp.ok());
  EXPECT_FALSE(resp.error().empty());
  EXPECT_FALSE(rules.apply(admin::FaultRequest{}).ok()); // nothing set
}

} // namespace
