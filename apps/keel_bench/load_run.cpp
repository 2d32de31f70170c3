// load_run: sessions, their operation chains and the measured window (see
// the header).
//
// Every client runs the same loop: plan an operation, record its invocation
// in the history, start it on its own session, and in its completion record
// the completion, count its latency if it started inside the measured window,
// and start the next. The loops are chains of asynchronous operations on the
// client runtime's scheduler, not a thread each: a blocked thread per client
// cost two thread wake-ups per operation and made keel-bench use more of the
// machine than the nodes it measures (docs/benchmarks.md section 17). The
// latency is taken from the start of the operation to its completion, so
// history writing never inflates it; the time spent in the writer is measured
// separately and reported.

#include "apps/keel_bench/load_run.hpp"

#include <functional>
#include <latch>
#include <optional>
#include <unordered_map>
#include <vector>

#include "apps/keel_bench/machine_load.hpp"
#include "apps/keel_bench/monotonic_clock.hpp"

namespace keel::bench {
namespace {

// One client's counts, merged into the load_result at the end.
struct client_tally {
  latency_histogram latency;
  std::array<latency_histogram, 4> latency_by_kind;
  outcome_counts outcomes{};
  uint64_t ops = 0;
  uint64_t preload_writes = 0;
  uint64_t preload_failures = 0;
  uint64_t history_ns = 0;   // inside history_writer::record
  uint64_t operation_ns = 0; // from start to completion, warm-up and preload included
};

// The window every client measures in, fixed once all clients are ready.
struct window {
  uint64_t warm_end_ns = 0;
  uint64_t end_ns = 0;
};

// One client: its session, its operation stream, and for the cas mix the
// last value it saw per key (the `expected` of its next cas there). Its
// completions run one at a time, each after the operation it completes was
// started, so its state needs no lock; the thread that waits on a phase's
// latch reads it after the last completion counted the latch down.
class load_client {
public:
  load_client(client::runtime& rt, const client::options& opts, const load_settings& s,
              uint32_t process, history_writer* history)
    : settings_(s),
      process_(process),
      history_(history),
      session_(rt, opts),
      workload_(s.mix, s.keys, s.seed + process),
      tracks_values_(s.mix == mix::cas || s.mix == mix::all) {}

  // Writes keys process, process + clients, ... once each, then counts down
  // `done`.
  void preload(std::latch& done) { preload_from(process_, done); }

  // Runs operations back to back until the window ends, then counts down
  // `done`.
  void measure(const window& w, std::latch& done) {
    if (monotonic_ns() >= w.end_ns) {
      done.count_down(); // the last thing it does: the caller may destroy it now
      return;
    }
    auto op = workload_.next();
    run(op.f, key_name(op.key), op.key,
        [this, &w, &done](op_kind f, const client::result& r, uint64_t started, uint64_t elapsed) {
          if (started >= w.warm_end_ns) {
            tally_.latency.record(elapsed);
            tally_.latency_by_kind[static_cast<size_t>(f)].record(elapsed);
            ++tally_.outcomes[static_cast<size_t>(r.outcome)];
            ++tally_.ops;
          }
          measure(w, done);
        });
  }

  const client_tally& tally() const { return tally_; }

private:
  // What follows an operation's completion: the next operation, or the end
  // of the phase.
  using then_fn
    = std::function<void(op_kind, const client::result&, uint64_t started_ns, uint64_t elapsed_ns)>;

  void preload_from(uint64_t k, std::latch& done) {
    if (k >= settings_.keys) {
      done.count_down();
      return;
    }
    run(op_kind::write, key_name(k), k,
        [this, k, &done](op_kind, const client::result& r, uint64_t, uint64_t) {
          ++tally_.preload_writes;
          if (!r.ok())
            ++tally_.preload_failures;
          preload_from(k + settings_.clients, done);
        });
  }

  // Starts operation f on the key; `then` follows its completion.
  void run(op_kind f, std::string key, uint64_t key_index, then_fn then) {
    auto& op = op_;
    op.f = f;
    op.key = std::move(key);
    op.key_index = key_index;
    op.value.clear();
    op.expected.reset();
    if (f != op_kind::read)
      op.value = make_value(process_, seq_++, settings_.value_bytes);
    if (f == op_kind::cas)
      if (auto i = last_seen_.find(key_index); i != last_seen_.end())
        op.expected = i->second;
    op.then = std::move(then);
    record({process_, event_type::invoke, f, op.key, invoked_value()});
    op.started_ns = monotonic_ns();
    start([this](client::result r) { finish(std::move(r)); });
  }

  void finish(client::result r) {
    auto& op = op_;
    uint64_t elapsed = monotonic_ns() - op.started_ns;
    tally_.operation_ns += elapsed;
    auto type = completion_of(op.f, r.outcome);
    auto done_value = op.f != op_kind::read    ? invoked_value()
                      : type == event_type::ok ? history_value::maybe(r.value)
                                               : history_value::none();
    record({process_, type, op.f, op.key, done_value});
    if (tracks_values_)
      remember(op.f, op.key_index, r, op.value);
    auto then = std::move(op.then); // it may start the next operation, which reuses op_
    then(op.f, r, op.started_ns, elapsed);
  }

  // The value of the operation in flight as the history records it.
  history_value invoked_value() const {
    const auto& op = op_;
    if (op.f == op_kind::write)
      return history_value::of(op.value);
    if (op.f == op_kind::cas)
      return history_value::cas(
        op.expected ? std::optional<std::string_view>{*op.expected} : std::nullopt, op.value);
    return history_value::none();
  }

  void start(client::session::completion done) {
    const auto& op = op_;
    switch (op.f) {
      case op_kind::read:
        session_.get(op.key,
                     settings_.serializable ? client::read_consistency::serializable
                                            : client::read_consistency::linearizable,
                     std::move(done));
        return;
      case op_kind::write: session_.put(op.key, op.value, std::move(done)); return;
      case op_kind::del: session_.del(op.key, std::move(done)); return;
      case op_kind::cas: break;
    }
    if (op.expected)
      session_.cas(op.key, *op.expected, op.value, std::move(done));
    else
      session_.cas_absent(op.key, op.value, std::move(done));
  }
  // What the key holds now, as far as operation `f` told us: the `expected`
  // of this client's next cas on it.
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
  // Only a mix with compare-and-swaps reads last_seen_: other mixes skip
  // keeping it, a copy of every value read or written, which cost keel-bench
  // a malloc and a hash lookup per operation on the machine it measures.
  bool tracks_values_;
  std::unordered_map<uint64_t, std::string> last_seen_;
  client_tally tally_;
  // The operation in flight (one at a time): the history's events point into
  // it.
  struct operation {
    op_kind f = op_kind::read;
    std::string key;
    uint64_t key_index = 0;
    std::string value;                   // writes and cas: the new value
    std::optional<std::string> expected; // cas: the value it expects; none: absent
    uint64_t started_ns = 0;
    then_fn then;
  } op_;
};

uint64_t seconds_to_ns(double s) { return static_cast<uint64_t>(s * 1e9); }

} // namespace

load_result run_load(client::runtime& rt, const client::options& opts,
                     const load_settings& settings, history_writer* history) {
  auto n = settings.clients;
  std::vector<std::unique_ptr<load_client>> clients;
  clients.reserve(n);
  for (uint32_t i = 0; i < n; ++i)
    clients.push_back(std::make_unique<load_client>(rt, opts, settings, i, history));
  if (settings.preload && settings.mix != mix::write) {
    std::latch preloaded{static_cast<std::ptrdiff_t>(n)};
    for (auto& c : clients)
      c->preload(preloaded);
    preloaded.wait();
  }
  window w;
  auto start = monotonic_ns();
  w.warm_end_ns = start + seconds_to_ns(settings.warmup_s);
  w.end_ns = w.warm_end_ns + seconds_to_ns(settings.duration_s);
  load_result res;
  res.loadavg_start = load_average_1min();
  std::latch finished{static_cast<std::ptrdiff_t>(n)};
  for (auto& c : clients) // w reaches each chain with its first operation's message
    c->measure(w, finished);
  finished.wait();
  res.loadavg_end = load_average_1min();

  res.settings = settings;
  res.measured_s = settings.duration_s;
  uint64_t history_ns = 0;
  uint64_t operation_ns = 0;
  for (auto& c : clients) {
    const auto& t = c->tally();
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
