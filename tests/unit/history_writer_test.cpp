// The history writer: the JSON lines of docs/contract.md (Jepsen style) and
// the shared writer's ordering under concurrent threads.

#include <atomic>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "apps/history/history_writer.hpp"
#include "tests/support/text_lines.hpp"

namespace {

using namespace keel::history;

std::string line_of(const history_event& e, uint64_t time) {
  std::string out;
  append_json_line(out, e, time);
  return out;
}

using keel::test::lines_of;

TEST(HistoryFormat, WriteEventsCarryTheValue) {
  history_event e{3, event_type::invoke, op_kind::write, "k7", history_value::of("v12")};
  EXPECT_EQ(line_of(e, 1200345),
            "{\"process\": 3, \"type\": \"invoke\", \"f\": \"write\", \"key\": \"k7\", "
            "\"value\": \"v12\", \"time\": 1200345}\n");
  e.type = event_type::ok;
  EXPECT_EQ(line_of(e, 1987000),
            "{\"process\": 3, \"type\": \"ok\", \"f\": \"write\", \"key\": \"k7\", "
            "\"value\": \"v12\", \"time\": 1987000}\n");
}

TEST(HistoryFormat, ReadInvokesWithNullAndCompletesWithTheValueOrNull) {
  history_event e{0, event_type::invoke, op_kind::read, "k1", history_value::none()};
  auto j = nlohmann::json::parse(line_of(e, 5));
  EXPECT_TRUE(j["value"].is_null());
  EXPECT_EQ(j["f"], "read");
  e.type = event_type::ok;
  const std::optional<std::string> found{"abc"};
  e.value = history_value::maybe(found);
  EXPECT_EQ(nlohmann::json::parse(line_of(e, 6))["value"], "abc");
  const std::optional<std::string> absent;
  e.value = history_value::maybe(absent);
  EXPECT_TRUE(nlohmann::json::parse(line_of(e, 7))["value"].is_null());
}

TEST(HistoryFormat, CasValueIsTheExpectedNewPair) {
  history_event e{1, event_type::invoke, op_kind::cas, "k2", history_value::cas("old", "new")};
  auto j = nlohmann::json::parse(line_of(e, 9));
  EXPECT_EQ(j["value"], nlohmann::json::array({"old", "new"}));
  e.value = history_value::cas(std::nullopt, "new");
  j = nlohmann::json::parse(line_of(e, 9));
  EXPECT_EQ(j["value"], nlohmann::json::parse("[null, \"new\"]"));
}

TEST(HistoryFormat, DeleteIsNamedDelete) {
  history_event e{2, event_type::ok, op_kind::del, "k3", history_value::none()};
  EXPECT_EQ(nlohmann::json::parse(line_of(e, 1))["f"], "delete");
}

TEST(HistoryFormat, StringsAreEscaped) {
  std::string nasty = "q\"b\\n\nt\tc\x01\x1f end";
  history_event e{4, event_type::ok, op_kind::write, nasty, history_value::of(nasty)};
  auto line = line_of(e, 42);
  ASSERT_EQ(line.find('\n'), line.size() - 1); // one line
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["key"], nasty);
  EXPECT_EQ(j["value"], nasty);
  EXPECT_EQ(j["process"], 4);
  EXPECT_EQ(j["time"], 42);
}

TEST(HistoryWriter, StampsEachEventWithTheClockAndBuffers) {
  std::ostringstream out;
  uint64_t now = 100;
  {
    history_writer w{out, [&now] { return now++; }, 1 << 20};
    EXPECT_EQ(w.record({0, event_type::invoke, op_kind::read, "a", history_value::none()}), 100u);
    EXPECT_EQ(w.record({0, event_type::ok, op_kind::read, "a", history_value::of("x")}), 101u);
    EXPECT_EQ(out.str(), ""); // below the flush threshold
    EXPECT_EQ(w.events(), 2u);
  } // the destructor flushes
  auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["time"], 100);
  EXPECT_EQ(nlohmann::json::parse(lines[1])["time"], 101);
  EXPECT_EQ(nlohmann::json::parse(lines[1])["value"], "x");
}

TEST(HistoryWriter, WritesOutOnceTheBufferIsFull) {
  std::ostringstream out;
  uint64_t now = 0;
  history_writer w{out, [&now] { return now++; }, 1}; // every line fills the buffer
  w.record({0, event_type::invoke, op_kind::write, "a", history_value::of("x")});
  EXPECT_EQ(lines_of(out.str()).size(), 1u);
  EXPECT_TRUE(w.good());
}

TEST(HistoryWriter, ConcurrentThreadsWriteWholeLinesInTimeOrder) {
  std::ostringstream out;
  std::atomic<uint64_t> clock{0};
  constexpr int threads = 8;
  constexpr int per_thread = 2000;
  {
    history_writer w{out, [&clock] { return clock.fetch_add(1) * 10; }, 4096};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&w, t] {
        auto key = std::string{"k"}.append(std::to_string(t));
        for (int i = 0; i < per_thread; ++i)
          w.record({static_cast<uint32_t>(t), i % 2 ? event_type::ok : event_type::invoke,
                    op_kind::write, key, history_value::of(std::to_string(i))});
      });
    for (auto& t : ts)
      t.join();
  }
  auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), size_t{threads * per_thread});
  uint64_t last = 0;
  std::vector<int> next(threads, 0);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto j = nlohmann::json::parse(lines[i]);
    uint64_t time = j["time"];
    if (i > 0) {
      ASSERT_GT(time, last) << "line " << i;
    }
    last = time;
    int p = j["process"];
    EXPECT_EQ(j["value"], std::to_string(next[p]++)); // each process's events in order
  }
}

} // namespace
