// local_cluster: real keel-node processes on 127.0.0.1 for system tests.
//
// It writes a cluster.conf with client and peer ports it checked free into a
// fresh temporary directory, starts and signals only the processes it started (by PID), bounds
// every wait by a deadline, and SIGKILLs whatever is left when it goes away. It starts
// and waits for processes with the launcher's primitives (apps/launcher/), the ones
// `keelctl cluster` uses.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

#include "actors/client/client.hpp"
#include "apps/launcher/process.hpp"

namespace keel::test {

/// Whether KEEL_TEST_TLS=1 is set.
bool tls_by_default();

/// What a finished keelctl run printed and returned.
struct run_result {
  int code = -1;
  std::string out;
  std::string err;
};

class local_cluster {
public:
  /// `extra` is appended to the generated cluster.conf's [cluster] table
  /// (e.g. "fault_injection = false\n"); `shards` and `replication_factor`
  /// as given.
  /// With `tls`, a fresh CA and certificates are made under certs_dir() and
  /// the cluster runs mutual TLS; the config's client certificate is an
  /// operator's. The default is the environment: KEEL_TEST_TLS=1 runs every
  /// system test on a TLS cluster (ctest's system_tls entry does).
  explicit local_cluster(int nodes, int shards = 4, int replication_factor = 1,
                         std::string extra_cluster_settings = "", bool tls = tls_by_default());
  ~local_cluster();
  local_cluster(const local_cluster&) = delete;
  local_cluster& operator=(const local_cluster&) = delete;

  const std::string& config_path() const { return config_path_; }
  bool tls() const { return tls_; }
  std::string certs_dir() const { return dir_ + "/certs"; }
  struct cert_files {
    std::string cert;
    std::string key;
  };
  /// TLS only: an ordinary client's and an operator's certificate.
  const cert_files& client_cert() const { return client_cert_; }
  const cert_files& operator_cert() const { return operator_cert_; }
  /// How a client library runtime must connect to this cluster (TLS or not).
  client::transport_options transport() const;
  /// A session's options for this cluster (every node an endpoint), with a
  /// whole-operation deadline of `timeout_ms`.
  client::options client_options(uint32_t timeout_ms = 10000) const;
  const std::string& dir() const { return dir_; }
  std::vector<std::string> node_ids() const;
  /// The node's client port (keelctl, sessions) and its peer port (other nodes only).
  uint16_t port(const std::string& node) const { return ports_.at(node); }
  uint16_t peer_port(const std::string& node) const { return peer_ports_.at(node); }
  /// Its HTTP endpoint (/metrics, the dashboard): every node of the cluster has one.
  uint16_t http_port(const std::string& node) const { return http_ports_.at(node); }
  std::string node_dir(const std::string& node) const;

  /// Starts keel-node for `node` and waits until its client port accepts connections.
  /// Returns false if it exited or did not come up before the deadline.
  bool start(const std::string& node,
             std::chrono::milliseconds deadline = std::chrono::seconds(20));
  void start_all();

  /// Starts keel-node and waits for it to exit (for start-up failures).
  run_result start_expecting_exit(const std::string& node,
                                  std::chrono::milliseconds deadline = std::chrono::seconds(20));

  /// SIGKILL, then reap.
  void kill9(const std::string& node);
  /// SIGTERM, then wait for the exit code (-1 if it did not exit in time).
  int terminate(const std::string& node,
                std::chrono::milliseconds deadline = std::chrono::seconds(20));
  void pause(const std::string& node);
  void resume(const std::string& node);
  bool running(const std::string& node) const;
  pid_t pid(const std::string& node) const;

  /// Runs keelctl --config <this cluster> args..., with a deadline.
  run_result keelctl(const std::vector<std::string>& args,
                     std::chrono::milliseconds deadline = std::chrono::seconds(30)) const;

  /// The endpoint list "127.0.0.1:p1,127.0.0.1:p2,...".
  std::string endpoints() const;

private:
  bool tls_ = false;
  std::string extra_tls_;
  cert_files client_cert_;
  cert_files operator_cert_;
  std::string dir_;
  std::string config_path_;
  std::map<std::string, uint16_t> ports_;
  std::map<std::string, uint16_t> peer_ports_;
  std::map<std::string, uint16_t> http_ports_;
  std::map<std::string, pid_t> pids_;
};

/// Runs a program with arguments, capturing stdout and stderr. One that
/// outlives the deadline gets SIGTERM, and SIGKILL 20 s later (code -1 then).
run_result run_program(const std::string& path, const std::vector<std::string>& args,
                       std::chrono::milliseconds deadline);

/// Reads back every key of `acked` through `s` (linearizable reads) and
/// expects the value written last.
void expect_values(client::session& s, const std::map<std::string, std::string>& acked);

/// Polls `pred` every 20 ms until it holds or the deadline passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds deadline) {
  return launcher::poll_until(launcher::steady::now() + deadline, std::move(pred),
                              std::chrono::milliseconds{20});
}

} // namespace keel::test
