#include "apps/keelctl/admin_commands.hpp"

#include <chrono>

#include "actors/network/wall_clock.hpp"
#include "actors/security/core/operator_proof.hpp"
#include "apps/common/cluster_secret.hpp"

#include <algorithm>
#include <map>
#include <ostream>
#include <cstdio>
#include <tuple>
#include <variant>

#include "apps/keelctl/render.hpp"
#include "apps/keelctl/report.hpp"

namespace keel::keelctl {

namespace {

using client::outcome;

// The error of an operator call without the node's name in front (tables
// already show the node).
std::string detail_of(const std::string& error, const client::endpoint& ep) {
  for (const auto& prefix : {ep.name() + " " + ep.address() + ": ", ep.name() + ": "})
    if (error.rfind(prefix, 0) == 0)
      return error.substr(prefix.size());
  return error;
}

std::string heading(const client::endpoint& ep) {
  return ep.node_id.empty() ? ep.address() : ep.node_id + " (" + ep.address() + ")";
}

// Exit code and error line when no node answered a query sent to all of them.
template <class T>
int none_answered(const admin_io& io, const std::string& what,
                  const std::vector<client::admin_result<T>>& results) {
  std::string errors;
  bool maybe_sent = false;
  for (const auto& r : results) {
    errors += (errors.empty() ? "" : ", ") + r.error;
    maybe_sent |= r.contacted;
  }
  if (!maybe_sent)
    return fail(io.err, exit_unavailable,
                what + ": cannot reach any node (" + errors
                  + "): is the cluster up? try 'keelctl cluster up'");
  return fail(io.err, exit_unknown,
              what + ": no node answered (" + errors + "): see 'keelctl cluster status'");
}

template <class T>
bool any_ok(const std::vector<client::admin_result<T>>& results) {
  return std::any_of(results.begin(), results.end(), [](const auto& r) { return r.ok(); });
}

// The exit code for one failed call to one node.
template <class T>
int code_of(const client::admin_result<T>& r) {
  return r.outcome == outcome::unknown ? exit_unknown : exit_unavailable;
}

} // namespace

// -- status ---------------------------------------------------------------------

int run_status(const target& t, const admin_io& io) {
  client::runtime rt{t.transport};
  client::session s{rt, t.options};
  auto all = s.status_all();
  const auto& eps = s.endpoints();
  if (io.json) {
    nlohmann::json nodes = nlohmann::json::array();
    for (size_t i = 0; i < all.size(); ++i) {
      nlohmann::json n{{"id", eps[i].node_id}, {"address", eps[i].address()},
                       {"reachable", all[i].ok()}};
      if (all[i].ok()) {
        n["uptime_ms"] = all[i].value->uptime_ms();
        n["shards"] = nlohmann::json::array();
        for (const auto& sh : all[i].value->shards())
          n["shards"].push_back(to_json(sh));
      } else {
        n["error"] = all[i].error;
      }
      nodes.push_back(std::move(n));
    }
    io.out << json_text({{"nodes", nodes}}) << std::endl;
  } else {
    std::vector<std::vector<std::string>> node_rows{{"NODE", "ADDRESS", "STATE", "UPTIME"}};
    // (shard, endpoint) -> row, so replicas of one shard sit together.
    std::map<std::pair<uint32_t, size_t>, std::vector<std::string>> shard_rows;
    // A replica's lag: how many log entries the shard's leader has that the
    // replica is not known to hold (leader's last index - match index).
    std::map<std::pair<uint32_t, std::string>, uint64_t> lag;
    for (const auto& r : all)
      if (r.ok())
        for (const auto& sh : r.value->shards())
          if (sh.role() == "leader")
            for (const auto& p : sh.progress())
              lag[{sh.shard(), p.node_id()}] = sh.last_index() - std::min(sh.last_index(), p.match_index());
    auto lag_text = [&](uint32_t shard, const std::string& node) {
      auto i = lag.find({shard, node});
      return i == lag.end() ? std::string{"-"} : std::to_string(i->second);
    };
    for (size_t i = 0; i < all.size(); ++i) {
      const auto& r = all[i];
      node_rows.push_back({eps[i].name(), eps[i].address(), r.ok() ? "up" : "unreachable",
                           r.ok() ? duration_text(r.value->uptime_ms()) : detail_of(r.error, eps[i])});
      if (!r.ok())
        continue;
      for (const auto& sh : r.value->shards())
        shard_rows[{sh.shard(), i}] = {std::to_string(sh.shard()), eps[i].name(), sh.role(),
                                       std::to_string(sh.term()),
                                       std::to_string(sh.commit_index()),
                                       std::to_string(sh.applied_index()),
                                       lag_text(sh.shard(), r.value->node_id()),
                                       sh.leader_id().empty() ? "-" : sh.leader_id()};
    }
    print_table(io.out, node_rows);
    if (!shard_rows.empty()) {
      std::vector<std::vector<std::string>> rows{
        {"SHARD", "NODE", "ROLE", "TERM", "COMMIT", "APPLIED", "LAG", "LEADER"}};
      for (auto& [key, row] : shard_rows)
        rows.push_back(std::move(row));
      io.out << '\n';
      print_table(io.out, rows);
    }
    io.out.flush();
  }
  return any_ok(all) ? exit_done : none_answered(io, "status", all);
}

// -- members --------------------------------------------------------------------

int run_members(const target& t, const admin_io& io) {
  client::runtime rt{t.transport};
  client::session s{rt, t.options};
  auto all = s.members_all();
  const auto& eps = s.endpoints();
  if (io.json) {
    nlohmann::json nodes = nlohmann::json::array();
    for (size_t i = 0; i < all.size(); ++i) {
      const auto& r = all[i];
      nlohmann::json n{{"id", eps[i].node_id}, {"address", eps[i].address()},
                       {"reachable", r.contacted}};
      if (r.ok()) {
        nlohmann::json peers = nlohmann::json::array();
        for (const auto& p : r.value->nodes())
          peers.push_back(to_json(p));
        n["view"] = {{"phi_threshold", r.value->phi_threshold()},
                     {"nodes", peers},
                     {"dropped_unknown_peer", r.value->dropped_unknown_peer()},
                     {"dropped_wrong_destination", r.value->dropped_wrong_destination()},
                     {"dropped_no_replica", r.value->dropped_no_replica()},
                     {"dropped_unauthenticated", r.value->dropped_unauthenticated()},
                     {"refused_handshakes", r.value->refused_handshakes()}};
      } else {
        n["view"] = nullptr;
        n["error"] = r.error;
      }
      nodes.push_back(std::move(n));
    }
    io.out << json_text({{"nodes", nodes}}) << std::endl;
  } else {
    for (size_t i = 0; i < all.size(); ++i) {
      const auto& r = all[i];
      if (i > 0)
        io.out << '\n';
      if (!r.ok()) {
        io.out << heading(eps[i])
               << (r.contacted ? ": reachable from keelctl, but no membership view ("
                               : ": unreachable from keelctl (")
               << detail_of(r.error, eps[i]) << ")\n";
        continue;
      }
      io.out << heading(eps[i]) << " sees (suspect at phi >= " << r.value->phi_threshold()
             << "):\n";
      std::vector<std::vector<std::string>> rows{
        {"  NODE", "ADDRESS", "CONNECTED", "SINCE", "PHI", "VERDICT", "SUSPECTED", "DROPPED",
         "INVALID", "FAULTS"}};
      for (const auto& p : r.value->nodes()) {
        char phi[16];
        std::snprintf(phi, sizeof phi, "%.1f", p.phi());
        std::string faults;
        for (const auto& f : p.faults())
          faults += (faults.empty() ? "" : ", ") + f;
        rows.push_back({"  " + p.node_id() + (p.self() ? " (self)" : ""), p.address(),
                        p.self() ? "-" : (p.connected() ? "yes" : "no"),
                        p.self() ? "-" : duration_text(p.state_age_ms()),
                        p.self() ? "-" : phi,
                        p.self() ? "-" : p.verdict() + " " + duration_text(p.verdict_age_ms()),
                        p.self() ? "-" : std::to_string(p.times_suspected()) + "x",
                        std::to_string(p.messages_dropped()),
                        p.self() ? "-" : std::to_string(p.messages_invalid()),
                        faults.empty() ? "-" : faults});
      }
      print_table(io.out, rows);
      // What the gate threw away before anyone was authenticated, and which
      // rules the invalid messages broke: signs of an attack or a bug.
      if (r.value->dropped_unauthenticated() > 0 || r.value->refused_handshakes() > 0)
        io.out << "  refused at the peer gate: " << r.value->refused_handshakes()
               << " handshakes, " << r.value->dropped_unauthenticated()
               << " unauthenticated frames\n";
      for (const auto& p : r.value->nodes())
        for (const auto& [rule, n] : p.invalid_by_rule())
          io.out << "  invalid from " << p.node_id() << ": " << rule << " x" << n << "\n";
    }
    io.out.flush();
  }
  bool any_reached =
    std::any_of(all.begin(), all.end(), [](const auto& r) { return r.contacted; });
  return any_reached ? exit_done : none_answered(io, "members", all);
}

// -- tree -----------------------------------------------------------------------

int run_tree(const target& t, const std::string& node, const admin_io& io) {
  std::vector<size_t> targets;
  if (!node.empty()) {
    auto found = find_node(t, node);
    if (auto* why = std::get_if<std::string>(&found))
      return fail(io.err, exit_usage, "tree: " + *why);
    targets.push_back(std::get<size_t>(found));
  }
  client::runtime rt{t.transport};
  client::session s{rt, t.options};
  auto results = node.empty() ? s.tree_all()
                              : std::vector<client::admin_result<admin::NodeTree>>{
                                  s.tree(targets.front())};
  if (node.empty())
    for (size_t i = 0; i < results.size(); ++i)
      targets.push_back(i);
  const auto& eps = s.endpoints();
  if (io.json) {
    nlohmann::json nodes = nlohmann::json::array();
    for (size_t k = 0; k < results.size(); ++k) {
      const auto& ep = eps[targets[k]];
      nlohmann::json n{{"id", ep.node_id}, {"address", ep.address()},
                       {"reachable", results[k].ok()}};
      if (results[k].ok())
        n["root"] = to_json(results[k].value->root());
      else
        n["error"] = results[k].error;
      nodes.push_back(std::move(n));
    }
    io.out << json_text({{"nodes", nodes}}) << std::endl;
  } else {
    for (size_t k = 0; k < results.size(); ++k) {
      const auto& ep = eps[targets[k]];
      if (k > 0)
        io.out << '\n';
      if (!results[k].ok()) {
        io.out << heading(ep) << ": unreachable (" << detail_of(results[k].error, ep) << ")\n";
        continue;
      }
      io.out << heading(ep) << '\n';
      print_tree(io.out, results[k].value->root());
    }
    io.out.flush();
  }
  if (!node.empty() && !results.front().ok())
    return fail(io.err, code_of(results.front()),
                "tree " + node + ": " + results.front().error
                  + ": is the node up? see 'keelctl cluster status'");
  return any_ok(results) ? exit_done : none_answered(io, "tree", results);
}

// -- fault ----------------------------------------------------------------------

namespace {

// The request for `cmd`, or a usage error.
std::variant<admin::FaultRequest, std::string> fault_request(const target& t,
                                                            const fault_command& cmd) {
  admin::FaultRequest req;
  if (cmd.kind == "crash") {
    if (cmd.path.empty() || cmd.path.front() != '/')
      return "PATH must be a supervision path such as /n1/shards/shard-0/storage (see 'keelctl tree')";
    req.set_crash_path(cmd.path);
    return req;
  }
  if (cmd.kind == "heal") {
    req.mutable_heal();
    return req;
  }
  if (t.cluster && t.cluster->find_node(cmd.peer) == nullptr)
    return "unknown node '" + cmd.peer + "' (see cluster.conf)";
  if (cmd.peer == cmd.node)
    return "a node cannot be cut off from itself";
  if (cmd.kind == "partition") {
    req.mutable_partition()->set_peer(cmd.peer);
  } else if (cmd.kind == "drop") {
    if (cmd.amount > 100)
      return "PERCENT must be 0..100";
    req.mutable_drop()->set_peer(cmd.peer);
    req.mutable_drop()->set_percent(cmd.amount);
  } else {
    req.mutable_delay()->set_peer(cmd.peer);
    req.mutable_delay()->set_ms(cmd.amount);
  }
  return req;
}

// What keelctl proves that it is an operator with: the operator certificate
// given as the client certificate (TLS), or the cluster secret of the config.
std::variant<security::trust, std::string> operator_trust(const target& t) {
  if (t.transport.tls.enabled()) {
    auto tr = security::trust::with_certificates(t.transport.tls.ca_file,
                                                 t.transport.tls.cert_file,
                                                 t.transport.tls.key_file);
    if (auto* err = std::get_if<std::string>(&tr))
      return *err;
    return std::move(std::get<security::trust>(tr));
  }
  if (!t.cluster)
    return std::string{"faults need the cluster secret: pass --config of the cluster (its "
                       "[cluster] secret_file), not --endpoints"};
  auto secret = config::load_cluster_secret(t.cluster->security.secret_file, false);
  if (secret.index() == 1)
    return std::get<1>(secret);
  auto tr = security::trust::with_secret(std::move(std::get<0>(secret)));
  if (auto* err = std::get_if<std::string>(&tr))
    return *err;
  return std::move(std::get<security::trust>(tr));
}

} // namespace

int run_fault(const target& t, const fault_command& cmd, const admin_io& io) {
  auto what = "fault " + cmd.kind;
  std::vector<size_t> targets;
  if (!cmd.node.empty()) {
    auto found = find_node(t, cmd.node);
    if (auto* why = std::get_if<std::string>(&found))
      return fail(io.err, exit_usage, what + ": " + *why);
    targets.push_back(std::get<size_t>(found));
  }
  auto built = fault_request(t, cmd);
  if (auto* why = std::get_if<std::string>(&built))
    return fail(io.err, exit_usage, what + ": " + *why);
  const auto& req = std::get<admin::FaultRequest>(built);
  auto trust = operator_trust(t);
  if (auto* why = std::get_if<std::string>(&trust))
    return fail(io.err, exit_usage, what + ": " + *why);
  client::runtime rt{t.transport};
  client::session s{rt, t.options};
  const auto& eps = s.endpoints();
  if (targets.empty())
    for (size_t i = 0; i < eps.size(); ++i)
      targets.push_back(i);
  // A proof names the node it is for, so each node gets its own request.
  for (auto i : targets)
    if (eps[i].node_id.empty())
      return fail(io.err, exit_usage,
                  what + ": a fault is signed for a named node: use --config (with "
                         "--endpoints the nodes have no names)");
  std::vector<client::admin_result<admin::FaultResponse>> results;
  for (auto i : targets) {
    auto signed_req = req;
    security::attach_operator_proof(std::get<security::trust>(trust), eps[i].node_id,
                                    network::wall_ms(), signed_req);
    results.push_back(s.fault(i, signed_req));
  }
  // Sort the answers: applied, refused by the node, not reached, unknown.
  std::string failures;
  int code = exit_done;
  nlohmann::json json_results = nlohmann::json::array();
  for (size_t k = 0; k < results.size(); ++k) {
    const auto& r = results[k];
    const auto& ep = eps[targets[k]];
    bool applied = r.ok() && r.value->ok();
    std::string line;
    if (applied) {
      line = r.value->detail().empty() ? "ok" : r.value->detail();
    } else if (r.ok()) {
      line = "refused: " + r.value->error();
      code = std::max<int>(code, exit_unavailable);
    } else if (r.outcome == outcome::unknown) {
      line = "no answer, the fault may or may not be in effect: " + detail_of(r.error, ep);
      code = exit_unknown;
    } else {
      line = "not applied: " + detail_of(r.error, ep);
      code = std::max<int>(code, exit_unavailable);
    }
    if (!applied)
      failures += (failures.empty() ? "" : "; ") + ep.name() + " " + line;
    if (io.json)
      json_results.push_back({{"node", ep.name()},
                              {"applied", applied},
                              {"detail", applied ? line : ""},
                              {"error", applied ? "" : line}});
    else
      io.out << ep.name() << ": " << line << '\n';
  }
  if (io.json)
    io.out << json_text({{"fault", cmd.kind}, {"results", json_results}}) << std::endl;
  io.out.flush();
  if (code == exit_done)
    return exit_done;
  bool none_reached =
    std::none_of(results.begin(), results.end(), [](const auto& r) { return r.contacted; });
  return fail(io.err, code,
              what + ": " + failures
                + (none_reached ? ": is the cluster up? see 'keelctl cluster status'" : ""));
}

} // namespace keel::keelctl
