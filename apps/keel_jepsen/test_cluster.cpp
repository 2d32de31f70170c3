#include "apps/keel_jepsen/test_cluster.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include <signal.h>

#include "apps/launcher/cluster_command.hpp"
#include "apps/launcher/port_probe.hpp"
#include "apps/launcher/process.hpp"

namespace keel::jepsen {

namespace fs = std::filesystem;

namespace {

// The clusters take_down_all() must find. Lock order: registry_mu, then a
// cluster's launch_mu_.
std::mutex registry_mu;
std::set<test_cluster*> live_clusters;
std::atomic<bool> taking_down{false};

} // namespace

std::unique_ptr<test_cluster> test_cluster::create(const cluster_spec& spec, std::string& error) {
  std::unique_ptr<test_cluster> c{new test_cluster};
  c->spec_ = spec;
  std::error_code ec;
  // A run must start from nothing: old data would answer reads with values
  // this run's history never wrote.
  if (fs::exists(spec.dir, ec) && !fs::is_empty(spec.dir, ec)) {
    error = spec.dir + " already exists and is not empty: give keel-jepsen a new --out directory";
    return nullptr;
  }
  fs::create_directories(spec.dir, ec);
  if (ec) {
    error = "cannot create the directory " + spec.dir + ": " + ec.message();
    return nullptr;
  }
  c->config_path_ = fs::absolute(fs::path{spec.dir} / "cluster.conf").string();
  {
    std::ofstream conf{c->config_path_, std::ios::trunc};
    conf << "# written by keel-jepsen for one test run\n"
         << "[cluster]\n"
         << "data_dir = \"data\"\n"
         << "shards = " << spec.shards << "\n"
         << "replication_factor = " << spec.replication << "\n"
         << "fault_injection = true\n\n"
         << "[timing]\n"
         << "tick_ms = " << spec.timing.tick_ms << "\n"
         << "heartbeat_ticks = " << spec.timing.heartbeat_ticks << "\n"
         << "election_ticks = " << spec.timing.election_ticks << "\n"
         << "transport_heartbeat_ms = " << spec.timing.transport_heartbeat_ms << "\n"
         << "connection_timeout_ms = " << spec.timing.connection_timeout_ms << "\n"
         << "failure_detector_phi = " << std::showpoint << spec.timing.failure_detector_phi
         << std::noshowpoint << "\n\n"
         << "[raft]\nsnapshot_entries = " << spec.raft.snapshot_entries << "\n\n"
         << "[limits]\nmax_key_bytes = " << spec.limits.max_key_bytes
         << "\nmax_value_bytes = " << spec.limits.max_value_bytes << "\n\n"
         << "[log]\nlevel = \"" << spec.log_level << "\"\nstderr = false\n\n";
    std::set<uint16_t> taken;
    try {
      for (size_t i = 1; i <= spec.nodes; ++i) {
        auto port = launcher::free_port(taken);
        auto peer_port = launcher::free_port(taken);
        conf << "[[node]]\nid = \"n" << i << "\"\nhost = \"127.0.0.1\"\nport = " << port
             << "\npeer_port = " << peer_port << "\n\n";
      }
    } catch (const std::exception& e) {
      error = e.what();
      return nullptr;
    }
    if (!conf.flush()) {
      error = "cannot write " + c->config_path_;
      return nullptr;
    }
  }
  auto loaded = config::load_cluster_config(c->config_path_);
  if (!loaded) {
    error = "the generated cluster.conf does not load: " + loaded.error().to_string();
    return nullptr;
  }
  c->cfg_ = std::move(*loaded);
  c->log_.open((fs::path{spec.dir} / "nemesis.out").string(), std::ios::app);
  std::lock_guard<std::mutex> guard{registry_mu};
  live_clusters.insert(c.get());
  return c;
}

test_cluster::~test_cluster() {
  // Down first, then out of the registry: a signal that comes meanwhile
  // still finds this cluster, and its take_down_all() waits for this one to
  // finish (the registry keeps it alive until then) instead of ending the
  // process halfway through it.
  if (!cfg_.nodes.empty()) { // else create() gave up before there was a cluster
    std::lock_guard<std::mutex> guard{launch_mu_};
    take_down_locked();
  }
  std::lock_guard<std::mutex> guard{registry_mu};
  live_clusters.erase(this);
}

void test_cluster::take_down_locked() {
  // Paused nodes cannot handle SIGTERM: resume them first (a node that is
  // not paused ignores the resume).
  for (auto& n : cfg_.nodes)
    launch_locked("resume", n.id);
  launch_locked("down", "");
}

void test_cluster::take_down_all() {
  std::lock_guard<std::mutex> registry{registry_mu};
  taking_down = true;
  for (auto* c : live_clusters) {
    std::lock_guard<std::mutex> guard{c->launch_mu_};
    c->note("keel-jepsen was interrupted: taking the cluster down");
    c->take_down_locked();
  }
}

std::optional<std::string> test_cluster::await_ports_closed(size_t i) {
  const auto& n = cfg_.nodes.at(i);
  auto closed = [&n] {
    return !launcher::port_open(n.host, n.port, std::chrono::milliseconds{100})
           && !launcher::port_open(n.host, n.peer_port, std::chrono::milliseconds{100});
  };
  if (launcher::poll_until(launcher::steady::now() + std::chrono::seconds{10}, closed))
    return std::nullopt;
  return "the ports of " + n.id + " still accept connections 10 s after it was killed";
}

namespace {

std::filesystem::path database_of(const config::cluster_config& cfg, size_t i) {
  return std::filesystem::path{cfg.node_dir(cfg.nodes.at(i).id)} / "db";
}

std::filesystem::path set_aside(const std::filesystem::path& db) {
  return db.parent_path() / "db.lost-by-the-nemesis";
}

} // namespace

std::optional<std::string> test_cluster::kill_and_await(size_t i) {
  if (auto failed = launch("kill", node_id(i)))
    return failed;
  return await_ports_closed(i);
}

std::optional<std::string> test_cluster::lose_data(size_t i) {
  auto db = database_of(cfg_, i);
  std::error_code ec;
  std::filesystem::rename(db, set_aside(db), ec);
  if (ec)
    return "cannot move " + db.string() + " aside: " + ec.message();
  note("moved " + db.string() + " to " + set_aside(db).string());
  return std::nullopt;
}

std::optional<std::string> test_cluster::restore_data(size_t i) {
  auto db = database_of(cfg_, i);
  std::error_code ec;
  if (!std::filesystem::exists(set_aside(db), ec))
    return std::nullopt; // nothing was taken away (the fault failed before)
  std::filesystem::remove_all(db, ec);
  if (!ec)
    std::filesystem::rename(set_aside(db), db, ec);
  if (ec)
    return "cannot put " + db.string() + " back: " + ec.message();
  note("restored " + db.string());
  return std::nullopt;
}

void test_cluster::note(const std::string& line) {
  std::lock_guard<std::mutex> guard{log_mu_};
  log_ << line << '\n' << std::flush;
}

std::optional<std::string> test_cluster::launch(const std::string& verb, const std::string& node) {
  std::lock_guard<std::mutex> guard{launch_mu_};
  if (verb == "up" && taking_down)
    return std::string{"keel-jepsen is being interrupted: no node is started any more"};
  return launch_locked(verb, node);
}

std::optional<std::string> test_cluster::launch_locked(const std::string& verb,
                                                       const std::string& node) {
  std::ostringstream out;
  std::ostringstream err;
  int rc = run_cluster_command(cfg_, config_path_, verb, node, spec_.bin_dir, false, out, err);
  note("cluster " + verb + " " + node + " -> exit " + std::to_string(rc) + "\n" + out.str()
       + err.str());
  if (rc == 0)
    return std::nullopt;
  auto words = err.str();
  if (auto nl = words.find('\n'); nl != std::string::npos)
    words.resize(nl);
  return "'keelctl cluster " + verb + (node.empty() ? "" : " " + node) + "' failed (exit "
         + std::to_string(rc) + "): " + words;
}

std::optional<std::string> test_cluster::keelctl(const std::vector<std::string>& args) {
  // A node starved of CPU (two cores, three nodes and ten clients) may not
  // answer keelctl's handshake in time. Every fault request keel-jepsen sends
  // may be sent again: partitions, drops, delays and heals set a state, and a
  // crash that was "not applied" did not happen.
  std::optional<std::string> failed;
  for (int attempt = 1; attempt <= keelctl_attempts; ++attempt) {
    if (attempt > 1)
      std::this_thread::sleep_for(std::chrono::milliseconds{500});
    failed = keelctl_once(args);
    if (!failed)
      return std::nullopt;
  }
  return *failed + " (" + std::to_string(keelctl_attempts) + " attempts)";
}

std::optional<std::string> test_cluster::keelctl_once(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"--config", config_path_, "--timeout", "5000"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string line = "keelctl";
  for (auto& a : argv)
    line += " " + a;
  auto output = (fs::path{spec_.dir} / "keelctl.out").string();
  std::streamoff from = 0;
  if (std::error_code ec; fs::exists(output, ec))
    from = static_cast<std::streamoff>(fs::file_size(output, ec));
  auto spawned = launcher::spawn_process(spec_.bin_dir + "/keelctl", argv, {output, output});
  if (!spawned) {
    note(line + " -> " + spawned.error().detail);
    return spawned.error().detail;
  }
  int rc = launcher::wait_exit(*spawned, std::chrono::seconds{20});
  if (rc == -1) {
    ::kill(*spawned, SIGKILL);
    launcher::wait_exit(*spawned, std::chrono::seconds{5});
  }
  auto tail = launcher::output_tail(output, from, 3);
  note(line + " -> exit " + std::to_string(rc) + "\n" + tail);
  if (rc == 0)
    return std::nullopt;
  return line + " failed (exit " + std::to_string(rc) + ")";
}

} // namespace keel::jepsen
