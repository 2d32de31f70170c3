// The registry's exposition text, held to the format by the parser, and the
// parser itself, fed what a broken exporter (or a hostile one) writes.
#include <cmath>
#include <thread>

#include <gtest/gtest.h>

#include "actors/metrics/core/exposition.hpp"
#include "actors/metrics/core/node_metrics.hpp"
#include "actors/metrics/core/registry.hpp"
#include "messages/version.hpp"

namespace keel::metrics {
namespace {

std::vector<family> parse_ok(const std::string& text) {
  auto parsed = parse_exposition(text);
  EXPECT_TRUE(parsed.ok()) << "line " << (parsed.ok() ? 0 : parsed.error().line) << ": "
                           << (parsed.ok() ? "" : parsed.error().what) << "\n"
                           << text;
  return parsed.ok() ? parsed.value() : std::vector<family>{};
}

std::string parse_fails(const std::string& text) {
  auto parsed = parse_exposition(text);
  EXPECT_FALSE(parsed.ok()) << text;
  return parsed.ok() ? "" : parsed.error().what;
}

TEST(MetricsRegistry, CountersGaugesAndHistogramsRoundTripThroughTheText) {
  registry r;
  r.get_counter("keel_x_total", "X.", {{"op", "put"}}).inc(3);
  r.get_counter("keel_x_total", "X.", {{"op", "get"}}).inc();
  r.get_gauge("keel_g", "G.").set(-2.5);
  auto& h = r.get_histogram("keel_h_seconds", "H.", {0.1, 1}, {{"op", "put"}});
  h.observe(0.05);
  h.observe(0.1); // on the bound: counted in it ("less than or equal")
  h.observe(0.5);
  h.observe(7);
  auto fams = parse_ok(r.expose());
  ASSERT_EQ(fams.size(), 3u);
  EXPECT_EQ(fams[0].name, "keel_g");
  EXPECT_EQ(fams[1].type, metric_type::histogram);
  EXPECT_EQ(find_value(fams, "keel_x_total", {{"op", "put"}}), 3);
  EXPECT_EQ(find_value(fams, "keel_x_total", {{"op", "get"}}), 1);
  EXPECT_EQ(sum_values(fams, "keel_x_total"), 4);
  EXPECT_EQ(find_value(fams, "keel_g"), -2.5);
  EXPECT_EQ(find_value(fams, "keel_h_seconds_bucket", {{"le", "0.1"}}), 2);
  EXPECT_EQ(find_value(fams, "keel_h_seconds_bucket", {{"le", "1"}}), 3);
  EXPECT_EQ(find_value(fams, "keel_h_seconds_bucket", {{"le", "+Inf"}}), 4);
  EXPECT_EQ(find_value(fams, "keel_h_seconds_count"), 4);
  EXPECT_DOUBLE_EQ(*find_value(fams, "keel_h_seconds_sum"), 7.65);
}

TEST(MetricsRegistry, OneSeriesPerLabelSetAndItsReferenceStaysValid) {
  registry r;
  auto& a = r.get_counter("c_total", "C.", {{"peer", "n2"}});
  for (int i = 0; i < 100; ++i) // many other series: the first must not move
    r.get_counter("c_total", "C.", {{"peer", "p" + std::to_string(i)}});
  auto& again = r.get_counter("c_total", "C.", {{"peer", "n2"}});
  EXPECT_EQ(&a, &again);
  a.inc(5);
  EXPECT_EQ(find_value(parse_ok(r.expose()), "c_total", {{"peer", "n2"}}), 5);
}

TEST(MetricsRegistry, LabelValuesAreEscapedAndReadBackIntact) {
  registry r;
  std::string nasty = "a \"quoted\" back\\slash\nand a new line";
  r.get_counter("c_total", "Help with a \\ and\na new line.", {{"path", nasty}}).inc();
  auto text = r.expose();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3) << text; // HELP, TYPE, one sample
  auto fams = parse_ok(text);
  ASSERT_EQ(fams.size(), 1u);
  ASSERT_EQ(fams[0].samples.size(), 1u);
  EXPECT_EQ(fams[0].samples[0].ls.at(0).second, nasty);
}

TEST(MetricsRegistry, CountsFromManyThreadsAreAllKept) {
  registry r;
  auto& c = r.get_counter("c_total", "C.");
  auto& h = r.get_histogram("h", "H.", {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        h.observe(0.5);
      }
    });
  std::string during = r.expose(); // rendered while counting: still valid
  for (auto& t : threads)
    t.join();
  parse_ok(during);
  auto fams = parse_ok(r.expose());
  EXPECT_EQ(find_value(fams, "c_total"), 40000);
  EXPECT_EQ(find_value(fams, "h_count"), 40000);
  EXPECT_EQ(find_value(fams, "h_bucket", {{"le", "1"}}), 40000);
}

TEST(MetricsRegistry, ValuesAreWrittenAsTheFormatSpellsThem) {
  EXPECT_EQ(render_value(3), "3");
  EXPECT_EQ(render_value(0.25), "0.25");
  EXPECT_EQ(render_value(INFINITY), "+Inf");
  EXPECT_EQ(render_value(-INFINITY), "-Inf");
  EXPECT_EQ(render_value(NAN), "NaN");
  EXPECT_TRUE(valid_name("keel_requests_total"));
  EXPECT_TRUE(valid_name("a:b"));
  EXPECT_FALSE(valid_name("a:b", true));
  EXPECT_FALSE(valid_name("9lives"));
  EXPECT_FALSE(valid_name("a-b"));
  EXPECT_FALSE(valid_name(""));
}

TEST(MetricsRegistry, TheNodesMetricsAllExposeAsValidText) {
  node_metrics m;
  m.requests("put", outcome_label("STATUS_NOT_LEADER")).inc();
  m.request_seconds("put").observe(0.002);
  auto s = m.shard(3);
  s.proposals.inc(2);
  s.committed.inc(2);
  m.fsyncs().inc();
  m.fsync_seconds().observe(0.001);
  m.apply_seconds().observe(0.0005);
  m.restarts("/n1/shards/shard-3/replica", "abnormal").inc();
  m.gave_up("/n1/shards/shard-3").inc();
  m.peer("n2").sent_bytes.inc(100);
  m.dropped("n2", "fault_rule").inc();
  m.invalid("n2", "term_overflow").inc();
  m.dropped_unattributed("unknown_peer").inc();
  m.set_shard({3, true, 7, 10, 9, 12, 4});
  m.set_follower_lag(3, "n2", 2);
  m.set_peer({"n2", true, false, 0.7});
  m.set_uptime_seconds(12.5);
  auto fams = parse_ok(m.expose());
  EXPECT_EQ(find_value(fams, "keel_requests_total", {{"op", "put"}, {"outcome", "not_leader"}}), 1);
  EXPECT_EQ(find_value(fams, "keel_raft_proposals_total", {{"shard", "3"}}), 2);
  EXPECT_EQ(find_value(fams, "keel_raft_log_entries", {{"shard", "3"}}), 8);
  EXPECT_EQ(find_value(fams, "keel_raft_is_leader", {{"shard", "3"}}), 1);
  EXPECT_EQ(find_value(fams, "keel_failure_detector_phi", {{"peer", "n2"}}), 0.7);
  EXPECT_EQ(find_value(fams, "keel_build_info", {{"malloc", malloc_name()}}), 1);
  EXPECT_EQ(find_value(fams, "keel_build_info", {{"commit", build_commit()}}), 1);
  for (auto& f : fams) {
    EXPECT_EQ(f.name.rfind("keel_", 0), 0u) << f.name;
    if (f.type == metric_type::counter) {
      EXPECT_TRUE(f.name.size() > 6 && f.name.substr(f.name.size() - 6) == "_total") << f.name;
    }
    EXPECT_FALSE(f.help.empty()) << f.name;
  }
}

TEST(MetricsExposition, ReadsCommentsTimestampsAndSpecialValues) {
  auto fams = parse_ok("# a comment\n"
                       "# TYPE up gauge\n"
                       "up{job=\"x\"} 1 1700000000000\n"
                       "\n"
                       "# HELP t Temperature.\n"
                       "# TYPE t gauge\n"
                       "t -Inf\n"
                       "t{a=\"b\"} NaN\n");
  ASSERT_EQ(fams.size(), 2u);
  EXPECT_EQ(fams[1].help, "Temperature.");
  EXPECT_TRUE(std::isnan(*find_value(fams, "t", {{"a", "b"}})));
}

TEST(MetricsExposition, RefusesWhatTheFormatForbids) {
  EXPECT_NE(parse_fails("x 1\n").find("no # TYPE"), std::string::npos);
  EXPECT_NE(parse_fails("# TYPE x gauge\nx 1").find("line feed"), std::string::npos);
  EXPECT_NE(parse_fails("# TYPE x gauge\nx one\n").find("not a number"), std::string::npos);
  EXPECT_NE(parse_fails("# TYPE x gauge\nx 1 2 3\n").find("trailing"), std::string::npos);
  EXPECT_NE(parse_fails("# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n").find("twice"),
            std::string::npos);
  EXPECT_NE(parse_fails("# TYPE x gauge\nx{a=\"1\",a=\"2\"} 1\n").find("twice"), std::string::npos);
  EXPECT_NE(parse_fails("# TYPE x gauge\nx{a=\"1} 1\n").find("unterminated"), std::string::npos);
  EXPECT_NE(parse_fails("# TYPE x gauge\nx{a=\"\\q\"} 1\n").find("escape"), std::string::npos);
  EXPECT_NE(parse_fails("# TYPE x gauge\nx{a=1} 1\n").find("=\"value\""), std::string::npos);
  EXPECT_NE(parse_fails("# TYPE x gauge\nx{a=\"1\" b=\"2\"} 1\n").find("','"), std::string::npos);
  EXPECT_NE(parse_fails("# TYPE x summary\n").find("unknown type"), std::string::npos);
  EXPECT_NE(parse_fails("# TYPE x gauge\n# TYPE x gauge\n").find("twice"), std::string::npos);
  EXPECT_NE(parse_fails("# TYPE x counter\nx -1\n").find("negative"), std::string::npos);
  EXPECT_NE(parse_fails("# TYPE x gauge\nx-y 1\n").find("space"), std::string::npos);
  EXPECT_NE(parse_fails("# TYPE x gauge\n{a=\"1\"} 1\n").find("metric name"), std::string::npos);
}

TEST(MetricsExposition, RefusesHistogramsThatDoNotAddUp) {
  std::string head = "# TYPE h histogram\n";
  parse_ok(head + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n");
  EXPECT_NE(
    parse_fails(head + "h_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n")
      .find("not cumulative"),
    std::string::npos);
  EXPECT_NE(parse_fails(head + "h_bucket{le=\"1\"} 1\nh_sum 3\nh_count 1\n").find("+Inf"),
            std::string::npos);
  EXPECT_NE(parse_fails(head + "h_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 1\n").find("_count"),
            std::string::npos);
  EXPECT_NE(parse_fails(head + "h_bucket 1\nh_sum 1\nh_count 1\n").find("'le'"), std::string::npos);
  EXPECT_NE(parse_fails(head + "h_bucket{le=\"x\"} 1\n").find("not a number"), std::string::npos);
  EXPECT_NE(parse_fails(head + "h_bucket{le=\"+Inf\"} 1\nh_count 1\n").find("_sum"),
            std::string::npos);
  EXPECT_NE(parse_fails(head + "h 1\n").find("in histogram"), std::string::npos);
}

TEST(MetricsExposition, RenderedFamiliesParseBackToThemselves) {
  registry r;
  r.get_counter("c_total", "C with a \\ and\na line.", {{"peer", "n\"2"}}).inc(4);
  r.get_histogram("h", "H.", {0.5}).observe(0.25);
  auto fams = parse_ok(r.expose());
  auto again = parse_ok(render_exposition(fams));
  ASSERT_EQ(again.size(), fams.size());
  EXPECT_EQ(again[0].help, fams[0].help);
  EXPECT_EQ(render_exposition(again), render_exposition(fams));
}

TEST(MetricsExposition, NodesMergeIntoOneValidTextLabelledByNode) {
  registry a, b;
  a.get_counter("c_total", "C.").inc(1);
  b.get_counter("c_total", "C.").inc(2);
  b.get_gauge("only_b", "B.").set(3);
  auto merged
    = merge_labelled({{"n1", parse_ok(a.expose())}, {"n2", parse_ok(b.expose())}}, "node");
  auto fams = parse_ok(render_exposition(merged));
  EXPECT_EQ(find_value(fams, "c_total", {{"node", "n1"}}), 1);
  EXPECT_EQ(find_value(fams, "c_total", {{"node", "n2"}}), 2);
  EXPECT_EQ(find_value(fams, "only_b", {{"node", "n2"}}), 3);
  // One name with two types cannot be said in one text: the second is left out.
  registry c;
  c.get_gauge("c_total", "Not a counter here.").set(9);
  auto mixed = merge_labelled({{"n1", parse_ok(a.expose())}, {"n3", parse_ok(c.expose())}}, "node");
  auto kept = parse_ok(render_exposition(mixed));
  EXPECT_FALSE(find_value(kept, "c_total", {{"node", "n3"}}).has_value());
}

} // namespace
} // namespace keel::metrics

TEST(BuildInfo, MallocNameIsReadOffTheProcess) {
  // The test binaries link no allocator of their own: what runs is glibc's,
  // or ASan's in the sanitizer build. (keel-node's is checked by the system
  // test Metrics.EveryNodeServesValidTextWhoseCountersMoveUnderKeelBench.)
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_STREQ(keel::malloc_name(), "asan");
#else
  EXPECT_STREQ(keel::malloc_name(), "glibc");
#endif
}
