// A node's metrics: counters, gauges and histograms with labels, and their
// Prometheus text exposition (format 0.0.4). Pure: no CAF, no clock (a
// histogram is handed durations, it never measures them), so the actors that
// count and the tests that read the counts share one implementation.
//
// Thread-safe: actors on different threads count into the same registry, and
// the HTTP endpoint renders it from yet another. Looking a series up takes a
// mutex; counting into a series already looked up is one relaxed atomic
// operation, so hot paths look their series up once and keep the reference
// (series live as long as the registry and never move).
//
// Names and label names follow Prometheus' rules ([a-zA-Z_:][a-zA-Z0-9_:]*,
// label names without ':'); breaking them, or registering one name as two
// types, is a programming error and aborts (KEEL_ASSERT), because every name
// is a constant in node_metrics.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace keel::metrics {

/// Label name -> value pairs, in the order given at registration.
using labels = std::vector<std::pair<std::string, std::string>>;

/// Only goes up (Prometheus resets are process restarts).
class counter {
public:
  void inc(uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
  std::atomic<uint64_t> v_{0};
};

/// A value that goes up and down (a term, a phi, a queue length).
class gauge {
public:
  void set(double v) noexcept { v_.store(v, std::memory_order_relaxed); }
  void add(double d) noexcept { v_.fetch_add(d, std::memory_order_relaxed); }
  double value() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
  std::atomic<double> v_{0};
};

/// Observations counted into cumulative buckets by upper bound, plus their
/// sum and count (a Prometheus histogram; the +Inf bucket is implicit).
class histogram {
public:
  explicit histogram(std::vector<double> upper_bounds);

  void observe(double v) noexcept;

  const std::vector<double>& bounds() const noexcept { return bounds_; }
  /// Observations <= bounds()[i] (cumulative), i < bounds().size().
  uint64_t cumulative(size_t i) const noexcept;
  uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_; // per bucket, not cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

/// Bucket bounds for latencies in seconds: 100 us to 10 s.
std::vector<double> latency_buckets();

enum class metric_type { counter, gauge, histogram };
const char* to_string(metric_type t);

/// Whether `name` is a valid metric name (`label` = false) or label name.
bool valid_name(const std::string& name, bool label = false);

class registry {
public:
  registry() = default;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// The series `name{ls}`, created (at zero) on first use. `help` is the
  /// family's one-line description; the first registration's text is kept.
  counter& get_counter(const std::string& name, const std::string& help, const labels& ls = {});
  gauge& get_gauge(const std::string& name, const std::string& help, const labels& ls = {});
  histogram& get_histogram(const std::string& name, const std::string& help,
                           const std::vector<double>& bounds, const labels& ls = {});

  /// Every family in name order, every series in label order, as Prometheus
  /// text exposition format 0.0.4.
  std::string expose() const;

private:
  struct series {
    labels ls;
    std::unique_ptr<counter> c;
    std::unique_ptr<gauge> g;
    std::unique_ptr<histogram> h;
  };
  struct family {
    metric_type type;
    std::string help;
    std::map<std::string, series> by_labels; // key: the rendered label set
  };

  series& find_or_add(const std::string& name, const std::string& help, metric_type type,
                      const labels& ls);

  mutable std::mutex mu_;
  std::map<std::string, family> families_;
};

/// `{a="1",b="x"}` with values escaped as the format requires (\\, \", \n);
/// empty for no labels. `extra` is appended last (a histogram's `le`).
std::string render_labels(const labels& ls,
                          const std::pair<std::string, std::string>* extra = nullptr);

/// A sample value as the format writes it: integers without a fraction,
/// +Inf, -Inf and NaN by name, otherwise the shortest round-trip decimal.
std::string render_value(double v);

} // namespace keel::metrics
