#include "apps/keel_jepsen/jepsen_run.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <thread>

#include "actors/config/core/placement.hpp"
#include "apps/common/client_target.hpp"
#include "apps/history/history_reader.hpp"
#include "apps/keel_bench/cluster_watch.hpp"
#include "apps/keel_bench/history.hpp"
#include "apps/keel_bench/load_run.hpp"
#include "apps/keel_bench/monotonic_clock.hpp"
#include "apps/keel_bench/workload.hpp"
#include "apps/launcher/process.hpp"

namespace keel::jepsen {

namespace {

using bench::monotonic_ns;
using history::op_kind;
using history::op_result;

constexpr auto settle_limit = std::chrono::seconds{60};
constexpr auto converge_limit = std::chrono::seconds{30};
constexpr int final_read_attempts = 10;

// Reads every key once more with a linearizable get, as process `process`,
// until each read has a definite answer (or the attempts run out: a key
// left unread is reported by the lost-write check).
void final_reads(client::session& s, uint32_t keys, uint32_t process,
                 history::history_writer& writer) {
  for (uint32_t k = 0; k < keys; ++k) {
    auto key = bench::key_name(k);
    for (int attempt = 0; attempt < final_read_attempts; ++attempt) {
      writer.record({process, history::event_type::invoke, op_kind::read, key, {}});
      auto r = s.get(key);
      auto type = bench::completion_of(op_kind::read, r.outcome);
      writer.record({process, type, op_kind::read, key,
                     type == history::event_type::ok ? history::history_value::maybe(r.value)
                                                     : history::history_value::none()});
      if (type == history::event_type::ok)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds{200});
    }
  }
}

// Asks every node for its digests until no shard lags or misses a replica,
// or the limit passes.
convergence_report await_convergence(client::session& s, const config::cluster_config& cfg) {
  convergence_report report;
  launcher::poll_until(
    launcher::steady::now() + converge_limit,
    [&] {
      std::vector<admin::NodeDigest> answers;
      for (auto& r : s.digest_all())
        if (r.ok())
          answers.push_back(std::move(*r.value));
      report = check_convergence(cfg, answers);
      return !report.unsettled();
    },
    std::chrono::milliseconds{200});
  return report;
}

// For each fault: how long after its injection every shard had
// acknowledged a write, cas or delete again (the latest of the shards' first
// acknowledged mutations invoked after the injection), counting the shards
// that acknowledged any mutation in the run; -1 when some shard never did.
std::vector<int64_t> recovery_times(const std::vector<fault_record>& faults,
                                    const std::vector<history::operation>& ops, uint32_t shards) {
  std::vector<bool> written(shards, false);
  for (const auto& op : ops)
    if (op.f != op_kind::read && op.result == op_result::ok)
      written[config::shard_of(op.key, shards)] = true;
  std::vector<int64_t> out;
  for (const auto& f : faults) {
    std::vector<int64_t> first(shards, -1);
    for (const auto& op : ops)
      if (op.f != op_kind::read && op.result == op_result::ok && op.invoke >= f.injected_ns) {
        auto t = static_cast<int64_t>(op.complete - f.injected_ns);
        auto& best = first[config::shard_of(op.key, shards)];
        if (best < 0 || t < best)
          best = t;
      }
    int64_t all = 0;
    for (uint32_t s = 0; s < shards; ++s)
      if (written[s])
        all = (first[s] < 0 || all < 0) ? -1 : std::max(all, first[s]);
    out.push_back(all);
  }
  return out;
}

std::string seconds(uint64_t ns) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << static_cast<double>(ns) / 1e9 << " s";
  return s.str();
}

} // namespace

const char* to_string(run_outcome o) {
  switch (o) {
    case run_outcome::passed: return "PASS";
    case run_outcome::violated: return "FAIL";
    case run_outcome::unknown: return "UNKNOWN";
    case run_outcome::incomplete: return "INCOMPLETE";
  }
  return "?";
}

run_report run_once(const run_settings& s, std::ostream& progress) {
  run_report rep;
  rep.settings = s;
  std::string error;
  cluster_spec spec{s.nodes, s.shards, s.replication, s.dir,   s.bin_dir,
                    "info",  s.timing, s.raft,        s.limits};
  auto cluster = test_cluster::create(spec, error);
  if (!cluster) {
    rep.error = error;
    return rep;
  }
  rep.created = true;
  const auto& cfg = cluster->config();
  auto target = client::resolve_target(cluster->config_path(), "", s.op_timeout_ms);
  if (!target) {
    rep.error = target.error().detail;
    return rep;
  }
  client::runtime rt{target->transport};
  progress << "seed " << s.seed << ": starting " << s.nodes << " nodes in " << s.dir << "\n"
           << std::flush;
  if (auto failed = cluster->launch("up")) {
    rep.error = *failed;
    return rep;
  }
  auto admin_opts = target->options;
  admin_opts.timeout_ms = 2000;
  client::session admin{rt, admin_opts};
  if (!bench::await_settled(admin, cfg, settle_limit)) {
    rep.error = "the new cluster did not elect a leader for every shard within 60 s (see " + s.dir
                + "/data/*/keel-node.log)";
    return rep;
  }

  rep.history_path = s.dir + "/history.jsonl";
  std::ofstream file{rep.history_path, std::ios::trunc};
  history::history_writer writer{file, monotonic_ns};
  plan_settings ps;
  ps.duration_ms = static_cast<uint64_t>(s.duration_s * 1000);
  ps.quiet_ms = s.quiet_ms;
  ps.fault_ms = s.fault_ms;
  ps.nodes = s.nodes;
  ps.kinds = s.faults;
  ps.seed = s.seed;
  auto plan = make_plan(ps);

  nemesis nem{*cluster, rt, admin_opts};
  std::atomic<bool> stop{false};
  uint64_t start = monotonic_ns();
  rep.load_start_ns = start;
  std::thread nemesis_thread{[&] { rep.faults = nem.run(plan, start, stop); }};
  bench::load_settings ls;
  ls.clients = s.clients;
  ls.duration_s = s.duration_s;
  ls.warmup_s = 0;
  ls.mix = bench::mix::all;
  ls.keys = s.keys;
  ls.value_bytes = 16;
  ls.seed = s.seed;
  ls.preload = false;
  auto client_opts = target->options;
  client_opts.timeout_ms = s.op_timeout_ms;
  client_opts.request_timeout_ms = std::min(s.request_timeout_ms, s.op_timeout_ms);
  progress << "seed " << s.seed << ": " << s.clients << " clients for " << s.duration_s << " s, "
           << plan.size() << " faults\n"
           << std::flush;
  bench::run_load(rt, client_opts, ls, &writer);
  stop = true;
  nemesis_thread.join();

  progress << "seed " << s.seed << ": healing\n" << std::flush;
  std::string heal_error;
  if (auto failed = nem.heal_all())
    heal_error = "healing failed: " + *failed;
  uint64_t healed = monotonic_ns();
  bool settled = heal_error.empty() && bench::await_settled(admin, cfg, settle_limit);
  rep.settle_ns = monotonic_ns() - healed;
  if (heal_error.empty() && !settled)
    heal_error = "the cluster did not settle within 60 s of healing (a leader per shard, every "
                 "replica caught up)";
  if (heal_error.empty()) {
    auto final_opts = target->options;
    final_opts.timeout_ms = 5000;
    client::session reader{rt, final_opts};
    final_reads(reader, s.keys, s.clients, writer);
  }
  writer.flush();
  file.close();

  std::ifstream in{rep.history_path};
  auto read = history::read_history(in);
  if (!read.ok()) {
    rep.error = "the history does not read back: " + read.error;
    return rep;
  }
  rep.operations = read.ops.size();
  for (const auto& op : read.ops)
    ++rep.counts[static_cast<size_t>(op.f)][static_cast<size_t>(op.result)];
  rep.recovery_ns = recovery_times(rep.faults, read.ops, cfg.shards);
  progress << "seed " << s.seed << ": checking " << read.ops.size() << " operations\n"
           << std::flush;
  rep.linearizability = history::check_history(read.ops);
  if (heal_error.empty()) {
    rep.lost = check_lost_writes(read.ops, s.clients);
    rep.convergence = await_convergence(admin, cfg);
  }
  bool violated = rep.linearizability.v == history::verdict::violation
                  || rep.linearizability.v == history::verdict::invalid;
  if (heal_error.empty())
    violated = violated || !rep.lost.ok() || !rep.convergence.converged();
  violated = violated || std::any_of(rep.faults.begin(), rep.faults.end(), [](const auto& f) {
               return !f.violation.empty();
             });
  if (violated)
    rep.outcome = run_outcome::violated;
  else if (!heal_error.empty())
    rep.outcome = run_outcome::incomplete;
  else if (rep.linearizability.v == history::verdict::unknown)
    rep.outcome = run_outcome::unknown;
  else
    rep.outcome = run_outcome::passed;
  rep.error = heal_error;
  return rep;
}

void print_report(std::ostream& out, const run_report& r) {
  const auto& s = r.settings;
  out << "keel-jepsen seed " << s.seed << ": " << s.nodes << " nodes, " << s.shards
      << " shards (replication " << s.replication << "), " << s.clients << " clients, " << s.keys
      << " keys, " << s.duration_s << " s\n";
  if (!s.config_source.empty())
    out << "settings ([timing], [raft], [limits], shards, replication) from " << s.config_source
        << "\n";
  if (!s.unsafe.empty())
    out << "UNSAFE nodes (safety broken on purpose): " << s.unsafe << "\n";
  if (r.operations > 0) {
    out << "operations: " << r.operations << "\n";
    for (auto f : {op_kind::read, op_kind::write, op_kind::cas, op_kind::del}) {
      auto& c = r.counts[static_cast<size_t>(f)];
      out << "  " << std::left << std::setw(7) << history::to_string(f) << std::right << " ok "
          << std::setw(6) << c[0] << "  fail " << std::setw(5) << c[1] << "  info " << std::setw(4)
          << c[2] << "\n";
    }
  }
  if (!r.faults.empty()) {
    out << "faults (seconds since the load started; recovery: every shard acknowledged a "
           "write again this long after the injection):\n";
    uint64_t t0 = r.load_start_ns;
    for (size_t i = 0; i < r.faults.size(); ++i) {
      const auto& f = r.faults[i];
      out << "  " << std::setw(7) << seconds(f.injected_ns - t0) << " .. " << std::setw(7)
          << seconds(f.healed_ns - t0) << "  " << std::left << std::setw(15)
          << to_string(f.plan.kind) << std::right << " " << f.what;
      if (i < r.recovery_ns.size())
        out << "; recovery "
            << (r.recovery_ns[i] < 0 ? std::string{"never (some shard took no write after it)"}
                                     : seconds(static_cast<uint64_t>(r.recovery_ns[i])));
      if (!f.error.empty())
        out << "\n      error: " << f.error;
      if (!f.violation.empty())
        out << "\n      VIOLATION: " << f.violation;
      out << "\n";
    }
  }
  if (r.operations > 0) {
    out << "linearizability: " << history::explain(r.linearizability);
  }
  if (r.error.empty() && r.operations > 0) {
    out << "lost writes: ";
    if (r.lost.ok())
      out << "none (" << r.lost.acknowledged << " acknowledged writes, cas and deletes accounted "
          << "for by the final reads of " << r.lost.keys << " keys)\n";
    else
      out << r.lost.lost.size() << " lost, " << r.lost.phantom.size() << " phantom values, "
          << r.lost.unread.size() << " keys unread\n";
    for (const auto& op : r.lost.lost)
      out << "  lost: " << history::describe(op) << "\n";
    for (const auto& op : r.lost.phantom)
      out << "  read a value nobody wrote: " << history::describe(op) << "\n";
    for (const auto& k : r.lost.unread)
      out << "  no final read of " << k << "\n";
    out << "convergence: ";
    size_t converged = 0;
    for (const auto& c : r.convergence.shards)
      converged += c.state == shard_state::converged ? 1 : 0;
    out << converged << " of " << r.convergence.shards.size() << " shards converged"
        << " (settled " << seconds(r.settle_ns) << " after healing)\n";
    for (const auto& c : r.convergence.shards)
      if (c.state != shard_state::converged)
        out << "  shard " << c.shard << " " << to_string(c.state) << ": " << c.detail << "\n";
  }
  if (!r.error.empty())
    out << "error: " << r.error << "\n";
  out << "verdict: " << to_string(r.outcome) << "\n";
  if (r.created)
    out << "kept in " << s.dir << ": history.jsonl, summary.txt, nemesis.out, keelctl.out, "
        << "cluster.conf, data/<node>/keel-node.log\n";
}

} // namespace keel::jepsen
