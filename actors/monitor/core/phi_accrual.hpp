// The phi-accrual failure detector (Hayashibara et al., "The phi accrual
// failure detector", SRDS 2004), with Akka's refinements: a bounded window of
// heartbeat inter-arrival times, a minimum standard deviation, an acceptable
// pause, and a seeded first estimate. Pure arithmetic: time comes in as integer
// milliseconds from any monotonic origin. Owned by the transport actor (one per
// peer node); `keelctl members` shows its phi and verdict.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace keel::monitor {

/// Settings of one detector. Defaults follow Akka's remote watch detector,
/// scaled to Keel's 50-100 ms heartbeats.
struct phi_accrual_config {
  double threshold = 8.0;    // phi above this = suspect (cluster.conf: timing.failure_detector_phi)
  std::size_t window = 1000; // inter-arrival samples kept (Akka: max-sample-size)
  uint64_t min_std_dev_ms = 50;               // floor of the standard deviation, so that
                                              // perfectly regular heartbeats do not make
                                              // the smallest delay look fatal
  uint64_t acceptable_pause_ms = 0;           // added to the mean: pauses (GC, load) to tolerate
  uint64_t first_heartbeat_estimate_ms = 100; // seeds the window before real samples exist
};

/// Suspicion of one monitored process, accrued from the arrival times of its
/// heartbeats. phi = -log10(P(a heartbeat arrives later than now)), where the
/// inter-arrival times are taken as normally distributed.
class phi_accrual {
public:
  explicit phi_accrual(phi_accrual_config cfg = {});

  /// Records a heartbeat that arrived at `now_ms`. The first heartbeat only
  /// starts the clock. An interval is added to the window only if the process
  /// was not suspected at its arrival (as Akka does): a long outage must not
  /// teach the detector that outages are normal.
  // REQUIRES: now_ms is not smaller than the previous heartbeat's time.
  void heartbeat(uint64_t now_ms);

  /// The suspicion level at `now_ms`: 0 before the first heartbeat, about 0.3
  /// when exactly the mean interval has passed, growing without bound while
  /// heartbeats stay away (+infinity once the tail probability underflows).
  double phi(uint64_t now_ms) const;

  /// True while phi(now_ms) is below the threshold (also before the first
  /// heartbeat: nothing is suspected before it was ever heard from).
  bool available(uint64_t now_ms) const;

  /// Forgets all samples (e.g. when the monitored process was replaced by a
  /// new incarnation whose timing may differ).
  void reset();

  double threshold() const { return cfg_.threshold; }
  std::optional<uint64_t> last_heartbeat_ms() const { return last_ms_; }
  std::size_t samples() const { return intervals_.size(); }
  double mean_ms() const;
  double std_dev_ms() const;

private:
  void add_interval(uint64_t interval_ms);

  phi_accrual_config cfg_;
  std::optional<uint64_t> last_ms_; // arrival time of the latest heartbeat
  std::deque<uint64_t> intervals_;  // invariant: size() <= cfg_.window
  double sum_ = 0;                  // invariant: sum of intervals_
  double sum_sq_ = 0;               // invariant: sum of squares of intervals_
};

/// phi for an arrival `elapsed_ms` after the last one, for a normal
/// distribution of mean `mean_ms` and standard deviation `std_dev_ms`, using
/// the logistic approximation of the normal CDF that Akka uses (its error is
/// below 1e-4 in the CDF, and it stays finite far into the tail).
// REQUIRES: std_dev_ms > 0.
double phi_of(double elapsed_ms, double mean_ms, double std_dev_ms);

} // namespace keel::monitor
