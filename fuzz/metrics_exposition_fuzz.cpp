// Prometheus text as keelctl reads it from a node (apps/keelctl/
// metrics_command.cpp parses whatever answers on a node's port): any bytes
// either parse into families that render back to text which parses to the same
// families, or are refused with a line inside the text. Never a crash.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "actors/metrics/core/exposition.hpp"
#include "actors/metrics/core/node_metrics.hpp"
#include "seeds.hpp"
#include "text_lines.hpp"

using namespace keel::fuzz;
namespace m = keel::metrics;

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "metrics_exposition: %s\n", what.c_str());
  std::abort();
}

seed_list make_seeds() {
  m::node_metrics nm;
  nm.requests("put", "ok").inc(3);
  nm.request_seconds("put").observe(0.002);
  nm.shard(0).committed.inc(7);
  nm.set_shard({0, true, 2, 7, 7, 9, 1});
  nm.set_peer({"n2", true, false, 0.5});
  nm.restarts("/n1/shards/shard-0/storage", "abnormal").inc();
  nm.set_uptime_seconds(1.5);
  seed_list seeds;
  seeds.emplace_back("node.txt", nm.expose());
  seeds.emplace_back("escapes.txt", "# HELP x A \\\\ and a \\n.\n# TYPE x gauge\n"
                                    "x{a=\"q\\\"\\\\\\n\"} -Inf 17\nx NaN\n");
  seeds.emplace_back("histogram.txt", "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\n"
                                      "h_bucket{le=\"+Inf\"} 2\nh_sum 3.5\nh_count 2\n");
  return seeds;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  write_seeds_if_asked(make_seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto parsed = m::parse_exposition(text);
  if (!parsed) {
    if (parsed.error().what.empty())
      fail("a refusal without a reason");
    if (parsed.error().line > line_count(text))
      fail("a refusal points past the end of the text");
    return 0;
  }
  auto once = m::render_exposition(parsed.value());
  auto again = m::parse_exposition(once);
  if (!again)
    fail("rendered text does not parse: line " + std::to_string(again.error().line) + ": "
         + again.error().what + "\n" + once);
  if (m::render_exposition(again.value()) != once)
    fail("render(parse(render(x))) differs from render(x)\n" + once);
  return 0;
}
