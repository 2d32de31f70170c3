// keel-node: one node of a Keel cluster.
//
//   keel-node --config cluster.conf --node n1
//
// Start-up order: validate the whole cluster.conf, set up logging under the
// node's data directory, record the PID, open the storage engine (a corrupt
// directory stops the node here, naming the file), then start the supervision
// tree. SIGTERM or SIGINT first hands the leadership of every shard this node
// leads to a follower, then shuts the tree down in reverse start order and
// exits 0; if the root supervisor gives up on its own, the node exits 1.
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "caf/all.hpp"
#include "caf/io/all.hpp"
#include "caf/openssl/manager.hpp"

#include "actors/base/core/unsafe_switches.hpp"
#include "actors/client/message_type_filter.hpp"
#include "actors/log/logger.hpp"
#include "actors/node/node_tree.hpp"
#include "actors/paths.hpp"
#include "actors/security/core/peer_incarnations.hpp"
#include "actors/security/core/trust.hpp"
#include "actors/storage/engine/engine.hpp"
#include "apps/common/cluster_config.hpp"
#include "apps/common/cluster_secret.hpp"
#include "apps/common/logging.hpp"
#include "apps/common/pid_file.hpp"
#include "apps/common/version_flag.hpp"
#include "apps/keel_node/leadership_drain.hpp"
#include "apps/node_http/dashboard_routes.hpp"
#include "apps/node_http/http_endpoint.hpp"
#include "messages/type_ids.hpp"
#include "supervisors/directory.hpp"

namespace {

using namespace keel;

constexpr int exit_usage = 2;
constexpr int exit_failure = 1;

// CAF settings shared by every node (and by clients: see actors/client): the
// sharing scheduler with inline deserialization halves loopback latency, and
// heartbeats plus a connection timeout let a node notice a frozen peer. Both
// ends of a connection must use the same heartbeat settings. A TLS cluster
// loads CAF's openssl module: every listener and every dial is then mutual TLS
// against the cluster's CA (actors/network/endpoint.hpp).
void configure_caf(caf::actor_system_config& cfg, const config::cluster_config& cc,
                   const config::node_config& me) {
  cfg.load<caf::io::middleman>();
  if (cc.security.tls()) {
    cfg.load<caf::openssl::manager>();
    cfg.set("openssl.cafile", cc.security.ca_file);
    cfg.set("openssl.certificate", me.cert_file);
    cfg.set("openssl.key", me.key_file);
  }
  register_message_types(cfg);
  cfg.set("scheduler.policy", caf::atom("sharing"));
  // One thread unless configured ([cluster] actor_threads): every hand-off
  // between two scheduler threads costs a futex wake and, often, a move to
  // the other core, which outweighs the parallelism on small machines
  // (docs/benchmarks.md section 13).
  cfg.set("scheduler.max-threads", size_t{cc.actor_threads});
  cfg.set("middleman.workers", 0);
  cfg.set("middleman.heartbeat-interval",
          caf::timespan{std::chrono::milliseconds(cc.timing.transport_heartbeat_ms)});
  cfg.set("middleman.connection-timeout",
          caf::timespan{std::chrono::milliseconds(cc.timing.connection_timeout_ms)});
}

// Blocks until SIGTERM/SIGINT, hands over the shards this node leads, then
// asks the root to shut down. SIGUSR1 only wakes the thread up when the node
// stops for another reason.
void wait_for_signal(caf::actor_system* sys, const caf::actor& root, sigset_t set,
                     const std::shared_ptr<sup::directory>& dir, const std::string& tree_root,
                     const std::vector<uint32_t>& shards,
                     std::chrono::milliseconds drain_deadline) {
  int sig = 0;
  sigwait(&set, &sig);
  if (sig != SIGTERM && sig != SIGINT)
    return;
  auto log = keel::component_logger("node");
  log->info("signal {}: handing over leadership, then shutting down", sig);
  auto still = node::drain_leadership(*sys, *dir, tree_root, shards, drain_deadline);
  if (still > 0)
    log->warn("{} shard(s) still led by this node after {} ms; stopping anyway", still,
              drain_deadline.count());
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
}

// The signals the node handles itself. They are blocked in main() before any
// thread exists (spdlog's flusher, RocksDB's and CAF's pools all inherit the
// mask), so only the thread in wait_for_signal ever receives them.
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR1);
  return set;
}

// What the node proves its id with: its certificate (TLS), or the cluster
// secret (plaintext; created on first start). The config was validated, so
// a plaintext cluster here is on loopback or explicitly insecure.
security::result<security::trust> load_trust(const config::cluster_config& cc,
                                             const config::node_config& me) {
  auto log = component_logger("node");
  if (cc.security.tls()) {
    auto t = security::trust::with_certificates(cc.security.ca_file, me.cert_file, me.key_file);
    if (t)
      log->info("TLS: CA {}, certificate {}", cc.security.ca_file, me.cert_file);
    return t;
  }
  if (cc.security.insecure_plaintext)
    log->warn("INSECURE: plaintext cluster ([cluster] insecure_plaintext = true): traffic is "
              "neither encrypted nor are clients authenticated; peers prove membership with "
              "the cluster secret only (docs/security.md)");
  auto secret = config::load_cluster_secret(cc.security.secret_file, /*create=*/true);
  if (!secret) // the node's own secret file: as unusable as a bad certificate file
    return security::security_error{security::errc::bad_files, std::move(secret).error().detail};
  return security::trust::with_secret(*std::move(secret));
}

// The switches that break safety on purpose (actors/base/core/unsafe_switches.hpp),
// from KEEL_UNSAFE. Only keel-node-unsafe, built with the tests from this file
// with KEEL_UNSAFE_SWITCHES defined, honours them; keel-node refuses to start
// with KEEL_UNSAFE set rather than ignore what the caller asked for.
result<unsafe_switches, std::string> unsafe_from_environment() {
  const char* asked = std::getenv("KEEL_UNSAFE");
  if (!asked || !*asked)
    return unsafe_switches{};
#ifdef KEEL_UNSAFE_SWITCHES
  return parse_unsafe_switches(asked);
#else
  return std::string{"KEEL_UNSAFE is set, and this keel-node has no unsafe switches (only "
                     "build/bin/unsafe/keel-node, a test build, has them): unset it"};
#endif
}

int run(const config::cluster_config& cc, const config::node_config& me,
        const unsafe_switches& unsafe) {
  auto set = handled_signals();
  namespace fs = std::filesystem;
  auto dir = cc.node_dir(me.id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    std::cerr << "keel-node: cannot create data directory " << dir << ": " << ec.message() << "\n";
    return exit_failure;
  }
  if (auto err = setup_logging(cc.log, me.id, cc.log_file_path(me.id)))
    std::cerr << "keel-node: " << *err << " (logging to stderr only)\n";
  auto log = component_logger("node");
  auto pid_path = cc.pid_file_path(me.id);
  if (auto ec = write_pid_file(pid_path)) {
    log->critical("cannot write the PID file {}: {}", pid_path, ec.message());
    std::cerr << "keel-node: cannot write the PID file " << pid_path << ": " << ec.message()
              << "\n";
    return exit_failure;
  }
  log->info("starting node {} on {}:{} (config {})", me.id, me.host, me.port, cc.source);
  if (unsafe.any())
    log->critical("UNSAFE TEST BUILD: safety broken on purpose by KEEL_UNSAFE={}: this node may "
                  "lose acknowledged writes or answer stale reads",
                  to_string(unsafe));

  auto opened
    = storage::open_rocks_engine((fs::path(dir) / "db").string(), me.id, cc.shards, unsafe);
  if (!opened) {
    const auto& err = opened.error().detail;
    log->critical("cannot open the storage engine: {}", err);
    std::cerr << "keel-node: cannot open the storage engine: " << err << "\n";
    remove_pid_file(pid_path);
    return exit_failure;
  }
  std::shared_ptr<storage::engine> engine = std::move(opened).value();
  // The incarnation tells a restart from a directory lost and made anew: a
  // peer that knew another one refuses this node (peer_incarnations.hpp).
  log->info("storage engine open: {} (data directory incarnation {}, {} peers on record)",
            engine->dir(), security::incarnation_text(engine->incarnation()),
            engine->peer_incarnations().size());

  auto trust = load_trust(cc, me);
  if (!trust) {
    log->critical("{}", trust.error().detail);
    std::cerr << "keel-node: " << trust.error().detail << "\n";
    remove_pid_file(pid_path);
    return exit_failure;
  }
  std::shared_ptr<const security::trust> shared_trust
    = std::make_shared<security::trust>(*std::move(trust));

  int code = 0;
  {
    caf::actor_system_config cfg;
    configure_caf(cfg, cc, me);
    caf::actor_system sys{cfg};
    // Every message from the network is read through Keel's type allowlist;
    // a build without it would let one forged message terminate the node.
    if (auto problem = message_type_filter_problem(sys); !problem.empty()) {
      log->critical("{}", problem);
      std::cerr << "keel-node: " << problem << "\n";
      remove_pid_file(pid_path);
      return exit_failure;
    }
    auto directory = std::make_shared<sup::directory>();
    // Before the tree: a port that cannot be bound stops the node here.
    std::unique_ptr<http::http_endpoint> web;
    if (me.http_port != 0) {
      auto bind = cc.metrics.bind.empty() ? me.host : cc.metrics.bind;
      auto started = http::http_endpoint::start(
        sys, directory, http::http_config{me.id, paths::root(me.id), bind, me.http_port},
        http::dashboard_routes({cc, me.id, bind, shared_trust}));
      if (!started) {
        log->critical("{}", started.error());
        std::cerr << "keel-node: " << started.error() << "\n";
        remove_pid_file(pid_path);
        return exit_failure;
      }
      web = std::move(started).value();
    }
    node::node_tree_options opts;
    opts.unsafe = unsafe;
    auto root = node::spawn_node_tree(sys, cc, me, engine, directory, shared_trust, opts);
    // Two election timeouts: time enough for a transfer, and what an election
    // would cost anyway if the transfer fails.
    std::chrono::milliseconds drain{2 * cc.timing.election_ticks * cc.timing.tick_ms};
    std::thread signals{wait_for_signal,     &sys, root, set, directory, paths::root(me.id),
                        cc.shards_on(me.id), drain};
    caf::error reason;
    {
      caf::scoped_actor self{sys};
      self->monitor(root);
      self->receive([&](caf::down_msg& down) { reason = down.reason; });
    }
    if (reason == caf::exit_reason::user_shutdown) {
      log->info("supervision tree stopped; node {} exits", me.id);
    } else {
      log->critical("root supervisor gave up ({}); node {} exits", sys.render(reason), me.id);
      code = exit_failure;
    }
    pthread_kill(signals.native_handle(), SIGUSR1);
    signals.join();
    web.reset();
    // The published service is dead by now, but the middleman still maps the
    // port to it; close it so the actor system can shut down.
    auto ep = sys.has_openssl_manager()
                ? caf::actor_cast<caf::actor>(sys.openssl_manager().actor_handle())
                : caf::actor_cast<caf::actor>(sys.middleman().actor_handle());
    caf::anon_send(ep, caf::close_atom::value, me.port);
    caf::anon_send(ep, caf::close_atom::value, me.peer_port);
  }
  remove_pid_file(pid_path);
  spdlog::shutdown();
  return code;
}

} // namespace

int main(int argc, char** argv) {
  auto signals = handled_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  CLI::App app{"keel-node: one node of a Keel replicated key-value cluster"};
  std::string config_path = "cluster.conf";
  std::string node_id;
  app.add_option("--config", config_path, "the cluster description (TOML)")->capture_default_str();
  app.add_option("--node", node_id, "the id of this node in the config")->required();
  keel::add_version_flag(app, "keel-node");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : exit_usage;
  }
  auto parsed = config::load_cluster_config(config_path);
  if (!parsed) {
    std::cerr << "keel-node: " << parsed.error().to_string() << "\n";
    return exit_usage;
  }
  const auto& cc = *parsed;
  auto* me = cc.find_node(node_id);
  if (!me) {
    std::string known;
    for (auto& n : cc.nodes)
      known += (known.empty() ? "" : ", ") + n.id;
    std::cerr << "keel-node: unknown node '" << node_id << "' in " << cc.source
              << " (known nodes: " << known << ")\n";
    return exit_usage;
  }
  auto unsafe = unsafe_from_environment();
  if (!unsafe) {
    std::cerr << "keel-node: " << unsafe.error() << "\n";
    return exit_usage;
  }
  return run(cc, *me, *unsafe);
}
