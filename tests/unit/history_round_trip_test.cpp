// One history format, one writer, one reader: what keel-bench records through
// history_writer reads back with history_reader field for field, and the
// names of kinds and event types map both ways.

#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "apps/history/history_reader.hpp"
#include "apps/keel_bench/history.hpp"

namespace {

using keel::client::outcome;
namespace b = keel::bench;
namespace h = keel::history;

// Above 2^53: a reader that went through a double would lose the low bits.
constexpr uint64_t epoch = uint64_t{1} << 60;

auto fields(const h::operation& op) {
  return std::tie(op.process, op.f, op.key, op.value, op.expected, op.result, op.invoke,
                  op.complete);
}

// Records operations the way keel-bench's load threads do: the invoke, then
// the completion whose type completion_of gives for the client's outcome.
class bench_recorder {
public:
  explicit bench_recorder(std::ostream& out)
    : writer_{out, [this] { return epoch + ++tick_; }} {}

  void invoke(uint32_t p, b::op_kind f, std::string_view key, b::history_value v) {
    writer_.record({p, b::event_type::invoke, f, key, v});
  }
  void complete(uint32_t p, b::op_kind f, std::string_view key, b::history_value v, outcome o) {
    writer_.record({p, b::completion_of(f, o), f, key, v});
  }
  void flush() { writer_.flush(); }

private:
  uint64_t tick_ = 0;
  b::history_writer writer_;
};

TEST(HistoryRoundTrip, WhatKeelBenchWritesReadsBackFieldForField) {
  // Keys and values with what JSON must escape; a process id above INT32_MAX.
  const std::string k1 = "k/\"1\"\n";
  const std::string v1 = "v\\1\t\x01";
  const std::optional<std::string> read_v1 = v1;
  const std::optional<std::string> absent;
  constexpr uint32_t big = 4'000'000'000u;
  std::ostringstream text;
  {
    bench_recorder r{text};
    r.invoke(1, b::op_kind::write, k1, b::history_value::of(v1));                  // 1
    r.invoke(2, b::op_kind::cas, "k2", b::history_value::cas(std::nullopt, "c1")); // 2
    r.complete(1, b::op_kind::write, k1, b::history_value::of(v1), outcome::ok);   // 3
    r.invoke(big, b::op_kind::read, k1, b::history_value::none());                 // 4
    r.complete(2, b::op_kind::cas, "k2", b::history_value::cas(std::nullopt, "c1"),
               outcome::cas_mismatch);                                                    // 5
    r.complete(big, b::op_kind::read, k1, b::history_value::maybe(read_v1), outcome::ok); // 6
    r.invoke(4, b::op_kind::cas, "k2", b::history_value::cas("old", "new"));              // 7
    r.complete(4, b::op_kind::cas, "k2", b::history_value::cas("old", "new"),
               outcome::unknown);                                                       // 8
    r.invoke(5, b::op_kind::del, "k3", b::history_value::none());                       // 9
    r.complete(5, b::op_kind::del, "k3", b::history_value::none(), outcome::not_found); // 10
    r.invoke(6, b::op_kind::read, "k3", b::history_value::none());                      // 11
    r.complete(6, b::op_kind::read, "k3", b::history_value::maybe(absent),
               outcome::not_found);                                 // 12
    r.invoke(7, b::op_kind::write, "k4", b::history_value::of("")); // 13, open
    r.flush();
  }
  std::istringstream in{text.str()};
  auto got = h::read_history(in);
  ASSERT_TRUE(got.ok()) << got.error << "\n" << text.str();

  using h::op_result;
  const std::vector<h::operation> want{
    h::operation::write(1, k1, v1, epoch + 1, epoch + 3),
    h::operation::cas(2, "k2", std::nullopt, "c1", epoch + 2, epoch + 5, op_result::fail),
    h::operation::read(big, k1, v1, epoch + 4, epoch + 6),
    h::operation::cas(4, "k2", "old", "new", epoch + 7, h::never, op_result::info),
    h::operation::del(5, "k3", epoch + 9, epoch + 10),
    h::operation::read(6, "k3", std::nullopt, epoch + 11, epoch + 12),
    h::operation::write(7, "k4", "", epoch + 13, h::never, op_result::info),
  };
  ASSERT_EQ(got.ops.size(), want.size()) << text.str();
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_TRUE(fields(got.ops[i]) == fields(want[i]))
      << "operation " << i << ": read " << h::describe(got.ops[i]) << ", wrote "
      << h::describe(want[i]);
}

TEST(HistoryRoundTrip, NamesMapBothWays) {
  for (auto f : {h::op_kind::read, h::op_kind::write, h::op_kind::cas, h::op_kind::del})
    EXPECT_EQ(h::op_kind_named(h::to_string(f)), f);
  EXPECT_EQ(h::op_kind_named("del"), std::nullopt); // the history says "delete"
  EXPECT_EQ(h::to_string(h::op_kind::del), std::string{"delete"});
  for (auto t :
       {h::event_type::invoke, h::event_type::ok, h::event_type::fail, h::event_type::info})
    EXPECT_EQ(h::event_type_named(h::to_string(t)), t);
  EXPECT_EQ(h::event_type_named("done"), std::nullopt);
  for (auto r : {h::op_result::ok, h::op_result::fail, h::op_result::info}) {
    EXPECT_EQ(h::result_of(h::event_of(r)), r);
    EXPECT_EQ(std::string{h::to_string(h::event_of(r))}, h::to_string(r));
  }
  EXPECT_EQ(h::result_of(h::event_type::invoke), std::nullopt);
}

} // namespace
