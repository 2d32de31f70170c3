// failover_run: the kill / measure / restart / settle cycle (see the header).
//
// The write probe runs on its own thread, put after put with a short
// deadline, from before the kill to after the first acknowledgement; a put
// counts only if it was invoked after the kill was sent, so an answer the old
// leader gave just before it died is never taken for a recovery. The probe's
// client backs off at most 50 ms between attempts so that its own waiting
// adds little to the figure.

#include "apps/keel_bench/failover_run.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

#include "apps/keel_bench/cluster_view.hpp"
#include "apps/keel_bench/cluster_watch.hpp"
#include "apps/keel_bench/machine_load.hpp"
#include "apps/keel_bench/monotonic_clock.hpp"
#include "apps/launcher/cluster_command.hpp"

namespace keel::bench {
namespace {

constexpr int exit_unavailable = 3;

// Puts to one key in a loop until stopped, and tells when the first put that
// was invoked after arm() is acknowledged.
class write_probe {
public:
  write_probe(client::runtime& rt, client::options opts, std::string key)
    : key_(std::move(key)),
      thread_([this, &rt, opts = std::move(opts)] { loop(rt, opts); }) {}

  ~write_probe() {
    {
      std::lock_guard<std::mutex> guard{mu_};
      stop_ = true;
    }
    thread_.join();
  }

  /// Waits until some put was acknowledged (the probe found the leader).
  bool wait_warm(std::chrono::steady_clock::duration limit) {
    std::unique_lock<std::mutex> lock{mu_};
    return cv_.wait_for(lock, limit, [this] { return warm_; });
  }

  /// From now on, puts invoked at or after `t_ns` count.
  void arm(uint64_t t_ns) {
    std::lock_guard<std::mutex> guard{mu_};
    armed_at_ = t_ns;
  }

  /// The completion time of the first counted acknowledgement, and how many
  /// counted puts were tried up to it; nullopt when none came within `limit`.
  std::optional<std::pair<uint64_t, uint64_t>> wait_ack(std::chrono::steady_clock::duration limit) {
    std::unique_lock<std::mutex> lock{mu_};
    if (!cv_.wait_for(lock, limit, [this] { return ack_.has_value(); }))
      return std::nullopt;
    return std::make_pair(*ack_, tried_);
  }

private:
  void loop(client::runtime& rt, const client::options& opts) {
    client::session session{rt, opts};
    for (uint64_t seq = 0;; ++seq) {
      {
        std::lock_guard<std::mutex> guard{mu_};
        if (stop_)
          return;
      }
      uint64_t invoked = monotonic_ns();
      auto r = session.put(key_, "failover-" + std::to_string(seq));
      uint64_t done = monotonic_ns();
      std::lock_guard<std::mutex> guard{mu_};
      bool counted = armed_at_ && invoked >= *armed_at_;
      if (counted && !ack_)
        ++tried_;
      if (r.ok()) {
        warm_ = true;
        if (counted && !ack_)
          ack_ = done;
        cv_.notify_all();
      }
    }
  }

  std::string key_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                // guarded by mu_
  bool warm_ = false;                // guarded by mu_
  std::optional<uint64_t> armed_at_; // guarded by mu_
  std::optional<uint64_t> ack_;      // guarded by mu_
  uint64_t tried_ = 0;               // guarded by mu_
  std::thread thread_;               // last: starts once the fields above exist
};

// Options of the write probe: short deadlines and backoff (see the top).
client::options probe_options(const config::cluster_config& cfg, uint32_t op_timeout_ms) {
  auto opts = client::options_from(cfg);
  opts.timeout_ms = op_timeout_ms;
  opts.request_timeout_ms = std::min<uint32_t>(op_timeout_ms, 250);
  opts.retry.initial_backoff_ms = 5;
  opts.retry.max_backoff_ms = 50;
  return opts;
}

// Runs one launcher verb; on failure, returns its words.
std::optional<std::string> launch(const config::cluster_config& cfg, const failover_settings& s,
                                  const std::string& verb, const std::string& node) {
  std::ostringstream out;
  std::ostringstream err;
  int rc = run_cluster_command(cfg, s.config_path, verb, node, s.bin_dir, false, out, err);
  if (rc == 0)
    return std::nullopt;
  auto words = err.str();
  if (auto nl = words.find('\n'); nl != std::string::npos)
    words.resize(nl);
  return "'cluster " + verb + " " + node + "' failed (exit " + std::to_string(rc) + "): " + words;
}

} // namespace

failover_result run_failover(client::runtime& rt, const config::cluster_config& cfg,
                             const failover_settings& s, std::ostream& progress) {
  failover_result res;
  auto fail = [&res](std::string why) {
    res.error = std::move(why);
    res.exit_code = exit_unavailable;
    return res;
  };
  auto status_opts = client::options_from(cfg);
  status_opts.timeout_ms = 2000;
  client::session status{rt, status_opts};
  auto key = key_in_shard(s.shard, cfg.shards, "failover-probe-");

  for (uint32_t run = 1; run <= s.runs; ++run) {
    auto settled = await_settled(status, cfg, std::chrono::seconds{s.settle_timeout_s});
    if (!settled)
      return fail("the cluster did not settle (a leader per shard, every replica caught up) within "
                  + std::to_string(s.settle_timeout_s) + " s: check 'keelctl status'");
    auto leader = leader_of(s.shard, *settled);
    failover_sample sample;
    sample.run = run;
    sample.killed = *leader;

    {
      write_probe probe{rt, probe_options(cfg, s.op_timeout_ms), key};
      if (!probe.wait_warm(std::chrono::seconds{s.ack_timeout_s}))
        return fail("no write to shard " + std::to_string(s.shard)
                    + " was acknowledged before the kill");
      sample.loadavg = load_average_1min();
      uint64_t killed_at = monotonic_ns();
      probe.arm(killed_at);
      if (auto why = launch(cfg, s, s.pause ? "pause" : "kill", sample.killed))
        return fail(*why);
      auto ack = probe.wait_ack(std::chrono::seconds{s.ack_timeout_s});
      if (!ack)
        return fail("no write to shard " + std::to_string(s.shard) + " was acknowledged within "
                    + std::to_string(s.ack_timeout_s) + " s of killing " + sample.killed);
      sample.failover_ns = ack->first - killed_at;
      sample.writes_tried = ack->second;
    } // stops the probe

    uint64_t restarted_at = monotonic_ns();
    if (auto why = launch(cfg, s, s.pause ? "resume" : "up", sample.killed))
      return fail(*why);
    settled = await_settled(status, cfg, std::chrono::seconds{s.settle_timeout_s});
    if (!settled)
      return fail(sample.killed + " did not catch up within " + std::to_string(s.settle_timeout_s)
                  + " s of its restart: check 'keelctl status'");
    sample.catch_up_ns = monotonic_ns() - restarted_at;
    sample.new_leader = leader_of(s.shard, *settled).value_or("");
    progress << "run " << run << ": killed " << sample.killed << ", first acknowledged write after "
             << static_cast<double>(sample.failover_ns) / 1e6 << " ms (" << sample.writes_tried
             << (sample.writes_tried == 1 ? " put" : " puts") << "), leader now "
             << sample.new_leader << ", caught up " << static_cast<double>(sample.catch_up_ns) / 1e6
             << " ms after restart (loadavg " << sample.loadavg << ")\n"
             << std::flush;
    res.samples.push_back(std::move(sample));
  }
  return res;
}

} // namespace keel::bench
