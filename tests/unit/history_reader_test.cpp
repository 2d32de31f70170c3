// Reading the JSON-lines history of docs/contract.md into operations: what
// the writer formats reads back, open operations become info, bad lines are
// refused with their number.

#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "apps/history/history_reader.hpp"
#include "apps/history/history_writer.hpp"
#include "apps/history/linearizability.hpp"

namespace {

using namespace keel::history;

read_result read(const std::string& text) {
  std::istringstream in{text};
  return read_history(in);
}

TEST(HistoryReader, ReadsWhatTheWriterFormats) {
  std::string text;
  append_json_line(text, {3, event_type::invoke, op_kind::write, "k7", history_value::of("v12")},
                   100);
  append_json_line(
    text, {4, event_type::invoke, op_kind::cas, "k7", history_value::cas(std::nullopt, "v1")}, 110);
  append_json_line(text, {3, event_type::ok, op_kind::write, "k7", history_value::of("v12")}, 200);
  append_json_line(
    text, {4, event_type::fail, op_kind::cas, "k7", history_value::cas(std::nullopt, "v1")}, 210);
  append_json_line(text, {3, event_type::invoke, op_kind::read, "k7", history_value::none()}, 300);
  append_json_line(text, {3, event_type::ok, op_kind::read, "k7", history_value::of("v12")}, 400);
  auto r = read(text);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.ops.size(), 3u);
  EXPECT_EQ(describe(r.ops[0]), "p3 write k7 \"v12\" ok [100, 200]");
  EXPECT_EQ(describe(r.ops[1]), "p4 cas k7 absent -> \"v1\" fail [110, 210]");
  EXPECT_EQ(describe(r.ops[2]), "p3 read k7 -> \"v12\" ok [300, 400]");
  EXPECT_TRUE(check_history(r.ops).ok());
}

TEST(HistoryReader, InfoAndOpenOperationsNeverComplete) {
  auto r
    = read(R"({"process": 1, "type": "invoke", "f": "write", "key": "k", "value": "a", "time": 1}
{"process": 1, "type": "info", "f": "write", "key": "k", "value": "a", "time": 2}
{"process": 1, "type": "invoke", "f": "delete", "key": "k", "value": null, "time": 3}
{"process": 2, "type": "invoke", "f": "read", "key": "k", "value": null, "time": 4}
{"process": 2, "type": "ok", "f": "read", "key": "k", "value": null, "time": 5}
)");
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.ops.size(), 3u);
  EXPECT_EQ(r.ops[0].result, op_result::info);
  EXPECT_EQ(r.ops[0].complete, never);
  EXPECT_EQ(describe(r.ops[2]), "p1 delete k info [3, never]");
}

TEST(HistoryReader, BadLinesAreRefusedWithTheirNumber) {
  struct bad {
    std::string text;
    std::string why;
  };
  const std::string w1
    = R"({"process": 1, "type": "invoke", "f": "write", "key": "k", "value": "a", "time": 1})";
  for (const bad& b : {
         bad{"not json", "line 1: not a JSON object"},
         bad{w1 + "\n" + w1, "line 2: process 1 invokes again"},
         bad{R"({"process": 1, "type": "ok", "f": "write", "key": "k", "value": "a", "time": 1})",
             "without an invoke"},
         bad{R"({"process": 1, "type": "invoke", "f": "append", "key": "k", "time": 1})",
             "unknown \"f\" \"append\""},
         bad{R"({"process": 1, "type": "invoke", "f": "cas", "key": "k", "value": "a", "time": 1})",
             "[expected or null, new]"},
         bad{R"({"process": 1, "type": "invoke", "f": "read", "key": "k", "value": null})",
             "no \"time\" field"},
         bad{w1 + "\n" + R"({"process": 1, "type": "ok", "f": "write", "key": "j", "time": 2})",
             "line 2: the completion's f or key differs"},
         bad{w1 + "\n" + R"({"process": 1, "type": "done", "f": "write", "key": "k", "time": 2})",
             "unknown \"type\" \"done\""},
         bad{R"({"process": -1, "type": "invoke", "f": "read", "key": "k", "time": 1})",
             "non-negative integers"},
       }) {
    auto r = read(b.text);
    EXPECT_FALSE(r.ok()) << b.text;
    EXPECT_NE(r.error.find(b.why), std::string::npos) << r.error;
  }
}

} // namespace
