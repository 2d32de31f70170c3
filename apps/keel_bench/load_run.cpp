// load_run: threads, sessions and the measured window (see the header).
//
// Every thread runs the same loop: plan an operation, record its invocation
// in the history, run it on its own session, record its completion, and count
// its latency if it started inside the measured window. The latency is taken
// around the session call alone, so history writing never inflates it; the
// time spent in the writer is measured separately and reported.

#include "apps/keel_bench/load_run.hpp"

#include <latch>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "apps/keel_bench/machine_load.hpp"
#include "apps/keel_bench/monotonic_clock.hpp"

namespace keel::bench {
namespace {

// One thread's counts, merged into the load_result at the end.
struct thread_tally {
  latency_histogram latency;
  std::array<latency_histogram, 4> latency_by_kind;
  outcome_counts outcomes{};
  uint64_t ops = 0;
  uint64_t preload_writes = 0;
  uint64_t preload_failures = 0;
  uint64_t history_ns = 0;   // inside history_writer::record
  uint64_t operation_ns = 0; // inside session calls, warm-up and preload included
};

// The window every thread measures in, fixed once all threads are ready.
struct window {
  uint64_t warm_end_ns = 0;
  uint64_t end_ns = 0;
};

// One load thread: its session, its operation stream, and for the cas mix
// the last value it saw per key (the `expected` of its next cas there).
class load_thread {
public:
  load_thread(client::runtime& rt, const client::options& opts, const load_settings& s,
              uint32_t process, history_writer* history)
    : settings_(s),
      process_(process),
      history_(history),
      session_(rt, opts),
      workload_(s.mix, s.keys, s.seed + process) {}

  // Writes keys process, process + clients, ... once each.
  void preload() {
    for (uint64_t k = process_; k < settings_.keys; k += settings_.clients) {
      auto r = run(op_kind::write, key_name(k), k);
      ++tally_.preload_writes;
      if (!r.ok())
        ++tally_.preload_failures;
    }
  }

  void measure(const window& w) {
    for (;;) {
      if (monotonic_ns() >= w.end_ns)
        return;
      auto op = workload_.next();
      uint64_t started = 0;
      uint64_t elapsed = 0;
      auto r = run(op.f, key_name(op.key), op.key, &started, &elapsed);
      if (started < w.warm_end_ns)
        continue;
      tally_.latency.record(elapsed);
      tally_.latency_by_kind[static_cast<size_t>(op.f)].record(elapsed);
      ++tally_.outcomes[static_cast<size_t>(r.outcome)];
      ++tally_.ops;
    }
  }

  const thread_tally& tally() const { return tally_; }

private:
  client::result run(op_kind f, const std::string& key, uint64_t key_index,
                     uint64_t* started = nullptr, uint64_t* elapsed = nullptr) {
    std::string value;
    std::optional<std::string> expected;
    if (f != op_kind::read)
      value = make_value(process_, seq_++, settings_.value_bytes);
    if (f == op_kind::cas)
      if (auto i = last_seen_.find(key_index); i != last_seen_.end())
        expected = i->second;
    auto invoked_value = f == op_kind::write ? history_value::of(value)
                         : f == op_kind::cas ? cas_value(expected, value)
                                             : history_value::none();
    record({process_, event_type::invoke, f, key, invoked_value});
    uint64_t t0 = monotonic_ns();
    auto r = call(f, key, value, expected);
    uint64_t t1 = monotonic_ns();
    tally_.operation_ns += t1 - t0;
    auto type = completion_of(f, r.outcome);
    auto done_value = f == op_kind::read ? (type == event_type::ok ? history_value::maybe(r.value)
                                                                   : history_value::none())
                                         : invoked_value;
    record({process_, type, f, key, done_value});
    remember(f, key_index, r, value);
    if (started)
      *started = t0;
    if (elapsed)
      *elapsed = t1 - t0;
    return r;
  }

  static history_value cas_value(const std::optional<std::string>& expected,
                                 const std::string& value) {
    return history_value::cas(expected ? std::optional<std::string_view>{*expected} : std::nullopt,
                              value);
  }

  client::result call(op_kind f, const std::string& key, const std::string& value,
                      const std::optional<std::string>& expected) {
    switch (f) {
      case op_kind::read:
        return session_.get(key, settings_.serializable ? client::read_consistency::serializable
                                                        : client::read_consistency::linearizable);
      case op_kind::write: return session_.put(key, value);
      case op_kind::del: return session_.del(key);
      case op_kind::cas: break;
    }
    return expected ? session_.cas(key, *expected, value) : session_.cas_absent(key, value);
  }

  // What the key holds now, as far as operation `f` told us: the `expected`
  // of this thread's next cas on it.
  void remember(op_kind f, uint64_t key_index, const client::result& r, const std::string& value) {
    using client::outcome;
    bool found = r.outcome == outcome::ok && f != op_kind::del;
    if (found && f == op_kind::read && r.value)
      last_seen_[key_index] = *r.value;
    else if (found && f != op_kind::read)
      last_seen_[key_index] = value;
    else if (r.outcome == outcome::cas_mismatch && r.value)
      last_seen_[key_index] = *r.value;
    else
      last_seen_.erase(key_index); // absent, or unknown: try create-if-absent next
  }

  void record(const history_event& e) {
    if (!history_)
      return;
    uint64_t t0 = monotonic_ns();
    history_->record(e);
    tally_.history_ns += monotonic_ns() - t0;
  }

  const load_settings& settings_;
  uint32_t process_;
  history_writer* history_;
  client::session session_;
  workload workload_;
  uint64_t seq_ = 0;
  std::unordered_map<uint64_t, std::string> last_seen_;
  thread_tally tally_;
};

uint64_t seconds_to_ns(double s) { return static_cast<uint64_t>(s * 1e9); }

} // namespace

load_result run_load(client::runtime& rt, const client::options& opts,
                     const load_settings& settings, history_writer* history) {
  auto n = settings.clients;
  bool preload = settings.preload && settings.mix != mix::write;
  // Each session is made on the thread that uses it (one thread per session).
  std::vector<std::unique_ptr<load_thread>> loaders(n);
  std::latch ready{static_cast<std::ptrdiff_t>(n)};
  std::latch go{1};
  window w;
  std::vector<std::thread> threads;
  for (uint32_t i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      loaders[i] = std::make_unique<load_thread>(rt, opts, settings, i, history);
      if (preload)
        loaders[i]->preload();
      ready.count_down();
      go.wait();
      loaders[i]->measure(w);
    });
  ready.wait();
  auto start = monotonic_ns();
  w.warm_end_ns = start + seconds_to_ns(settings.warmup_s);
  w.end_ns = w.warm_end_ns + seconds_to_ns(settings.duration_s);
  load_result res;
  res.loadavg_start = load_average_1min();
  go.count_down(); // publishes w to the threads (latch synchronizes)
  for (auto& t : threads)
    t.join();
  res.loadavg_end = load_average_1min();

  res.settings = settings;
  res.measured_s = settings.duration_s;
  uint64_t history_ns = 0;
  uint64_t operation_ns = 0;
  for (auto& l : loaders) {
    const auto& t = l->tally();
    res.latency.merge(t.latency);
    for (size_t k = 0; k < res.latency_by_kind.size(); ++k)
      res.latency_by_kind[k].merge(t.latency_by_kind[k]);
    for (size_t o = 0; o < res.outcomes.size(); ++o)
      res.outcomes[o] += t.outcomes[o];
    res.ops += t.ops;
    res.preload_writes += t.preload_writes;
    res.preload_failures += t.preload_failures;
    history_ns += t.history_ns;
    operation_ns += t.operation_ns;
  }
  res.ops_per_s = res.measured_s > 0 ? static_cast<double>(res.ops) / res.measured_s : 0;
  if (history) {
    res.history_events = history->events();
    res.history_ns_per_event
      = res.history_events == 0
          ? 0
          : static_cast<double>(history_ns) / static_cast<double>(res.history_events);
    auto total = history_ns + operation_ns;
    res.history_share = total == 0 ? 0 : static_cast<double>(history_ns) / total;
  }
  return res;
}

} // namespace keel::bench
