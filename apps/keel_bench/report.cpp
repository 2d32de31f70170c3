// report: text and JSON forms of keel-bench's results (see the header).
// Latencies are kept in nanoseconds and shown in milliseconds.

#include "apps/keel_bench/report.hpp"

#include <cstdio>
#include <ostream>
#include <string>

#include "apps/keel_bench/sample_summary.hpp"

namespace keel::bench {
namespace {

constexpr client::outcome all_outcomes[] = {
  client::outcome::ok,      client::outcome::not_found,   client::outcome::cas_mismatch,
  client::outcome::invalid, client::outcome::unavailable, client::outcome::unknown,
};

constexpr op_kind all_kinds[] = {op_kind::read, op_kind::write, op_kind::cas, op_kind::del};

// The percentiles every report shows, with their names.
struct percentile_point {
  const char* name;
  double p;
};
constexpr percentile_point points[] = {{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99.9", 99.9}};

double ms(double ns) { return ns / 1e6; }

// "12.345": milliseconds with three decimals (microsecond resolution).
std::string ms_text(double ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ms(ns));
  return buf;
}

nlohmann::json latency_json(const latency_histogram& h) {
  nlohmann::json j;
  j["count"] = h.count();
  for (auto& pt : points)
    j[pt.name] = ms(static_cast<double>(h.percentile(pt.p)));
  j["max"] = ms(static_cast<double>(h.max()));
  j["min"] = ms(static_cast<double>(h.min()));
  j["mean"] = ms(h.mean());
  return j;
}

void print_latency(std::ostream& out, const char* label, const latency_histogram& h) {
  out << label;
  for (auto& pt : points)
    out << "  " << pt.name << " " << ms_text(static_cast<double>(h.percentile(pt.p)));
  out << "  max " << ms_text(static_cast<double>(h.max())) << "  mean " << ms_text(h.mean())
      << '\n';
}

uint64_t not_ok(const load_result& r) {
  uint64_t n = 0;
  for (auto o : all_outcomes)
    if (o != client::outcome::ok)
      n += r.outcomes[static_cast<size_t>(o)];
  return n;
}

// How many kinds of operation the run measured.
size_t kinds_measured(const load_result& r) {
  size_t n = 0;
  for (auto& h : r.latency_by_kind)
    n += h.count() > 0 ? 1 : 0;
  return n;
}

} // namespace

nlohmann::json to_json(const load_result& r) {
  const auto& s = r.settings;
  nlohmann::json j;
  j["command"] = "load";
  j["mix"] = to_string(s.mix);
  j["reads"] = s.serializable ? "serializable" : "linearizable";
  j["clients"] = s.clients;
  j["keys"] = s.keys;
  j["value_bytes"] = s.value_bytes;
  j["warmup_s"] = s.warmup_s;
  j["duration_s"] = r.measured_s;
  j["ops"] = r.ops;
  j["ops_per_s"] = r.ops_per_s;
  j["latency_ms"] = latency_json(r.latency);
  auto& by_kind = j["latency_ms_by_kind"] = nlohmann::json::object();
  for (auto k : all_kinds)
    if (auto& h = r.latency_by_kind[static_cast<size_t>(k)]; h.count() > 0)
      by_kind[std::string{to_string(k)}] = latency_json(h);
  auto& outcomes = j["outcomes"] = nlohmann::json::object();
  for (auto o : all_outcomes)
    outcomes[std::string{client::to_string(o)}] = r.outcomes[static_cast<size_t>(o)];
  j["preload"] = {{"writes", r.preload_writes}, {"failed", r.preload_failures}};
  j["loadavg_1min"] = {{"start", r.loadavg_start}, {"end", r.loadavg_end}};
  if (r.history_events > 0)
    j["history"] = {{"events", r.history_events},
                    {"writer_us_per_event", r.history_ns_per_event / 1e3},
                    {"writer_share", r.history_share}};
  return j;
}

void print_load(std::ostream& out, const load_result& r) {
  const auto& s = r.settings;
  out << "load: mix " << to_string(s.mix) << (s.serializable ? " (serializable gets)" : "") << ", "
      << s.clients << " client" << (s.clients == 1 ? "" : "s") << ", " << s.keys << " keys, "
      << s.value_bytes << "-byte values, " << r.measured_s << " s measured after a " << s.warmup_s
      << " s warm-up\n";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", r.ops_per_s);
  out << "throughput: " << buf << " ops/s (" << r.ops << " operations)\n";
  print_latency(out, "latency ms:", r.latency);
  if (kinds_measured(r) > 1)
    for (auto k : all_kinds)
      if (auto& h = r.latency_by_kind[static_cast<size_t>(k)]; h.count() > 0) {
        auto label = "  " + std::string{to_string(k)} + ":";
        print_latency(out, label.c_str(), h);
      }
  out << "outcomes:";
  const char* sep = " ";
  for (auto o : all_outcomes) {
    out << sep << client::to_string(o) << ' ' << r.outcomes[static_cast<size_t>(o)];
    sep = ", ";
  }
  out << '\n';
  std::snprintf(buf, sizeof buf, "%.2f at the start, %.2f at the end", r.loadavg_start,
                r.loadavg_end);
  out << "machine load (1-minute average): " << buf << '\n';
  if (r.preload_writes > 0)
    out << "preload: " << r.preload_writes << " writes before the warm-up, " << r.preload_failures
        << " not ok\n";
  if (r.history_events > 0) {
    std::snprintf(buf, sizeof buf, "%.2f us per event, %.2f %%", r.history_ns_per_event / 1e3,
                  r.history_share * 100);
    out << "history: " << r.history_events << " events; writer " << buf
        << " of the clients' time\n";
  }
}

nlohmann::json to_json(const failover_result& r, uint32_t shard) {
  nlohmann::json j;
  j["command"] = "failover";
  j["shard"] = shard;
  auto& runs = j["runs"] = nlohmann::json::array();
  std::vector<uint64_t> times;
  for (const auto& s : r.samples) {
    runs.push_back({{"run", s.run},
                    {"killed", s.killed},
                    {"new_leader", s.new_leader},
                    {"failover_ms", ms(static_cast<double>(s.failover_ns))},
                    {"writes_tried", s.writes_tried},
                    {"catch_up_ms", ms(static_cast<double>(s.catch_up_ns))},
                    {"loadavg_1min", s.loadavg}});
    times.push_back(s.failover_ns);
  }
  auto sum = summarize(times);
  j["failover_ms"] = {{"median", ms(sum.median)},
                      {"min", ms(static_cast<double>(sum.min))},
                      {"max", ms(static_cast<double>(sum.max))}};
  if (!r.error.empty())
    j["error"] = r.error;
  return j;
}

void print_failover_summary(std::ostream& out, const failover_result& r, uint32_t shard) {
  std::vector<uint64_t> times;
  for (const auto& s : r.samples)
    times.push_back(s.failover_ns);
  auto sum = summarize(times);
  out << "failover of the leader of shard " << shard << ", " << sum.count << " run"
      << (sum.count == 1 ? "" : "s") << ": median " << ms_text(sum.median) << " ms, min "
      << ms_text(static_cast<double>(sum.min)) << " ms, max "
      << ms_text(static_cast<double>(sum.max)) << " ms\n";
}

void print_sweep(std::ostream& out, const std::vector<load_result>& runs) {
  char line[160];
  std::snprintf(line, sizeof line, "%-6s %7s %10s %9s %9s %9s %9s %9s %8s  %s\n", "mix", "clients",
                "ops/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "not ok", "loadavg");
  out << line;
  for (const auto& r : runs) {
    auto pct = [&r](double p) { return ms(static_cast<double>(r.latency.percentile(p))); };
    std::snprintf(line, sizeof line,
                  "%-6s %7u %10.1f %9.3f %9.3f %9.3f %9.3f %9.3f %8llu  %.2f-%.2f\n",
                  std::string{to_string(r.settings.mix)}.c_str(), r.settings.clients, r.ops_per_s,
                  pct(50), pct(90), pct(99), pct(99.9), ms(static_cast<double>(r.latency.max())),
                  static_cast<unsigned long long>(not_ok(r)), r.loadavg_start, r.loadavg_end);
    out << line;
  }
}

} // namespace keel::bench
