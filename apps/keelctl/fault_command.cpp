#include "apps/keelctl/fault_command.hpp"

#include <algorithm>
#include <ostream>

#include "actors/network/wall_clock.hpp"
#include "apps/keelctl/operator_trust.hpp"
#include "apps/keelctl/render.hpp"

namespace keel::keelctl {

namespace {

using client::outcome;

// The request for `cmd`, or a usage error.
result<admin::FaultRequest, input_error> fault_request(const target& t, const fault_command& cmd) {
  auto bad = [](std::string why) { return input_error{errc::bad_fault, std::move(why)}; };
  admin::FaultRequest req;
  if (cmd.kind == "crash") {
    if (cmd.path.empty() || cmd.path.front() != '/')
      return bad("PATH must be a supervision path such as /n1/shards/shard-0/storage (see "
                 "'keelctl tree')");
    req.set_crash_path(cmd.path);
    return req;
  }
  if (cmd.kind == "heal") {
    req.mutable_heal();
    return req;
  }
  if (t.cluster && t.cluster->find_node(cmd.peer) == nullptr)
    return bad("unknown node '" + cmd.peer + "' (see cluster.conf)");
  if (cmd.peer == cmd.node)
    return bad("a node cannot be cut off from itself");
  if (cmd.kind == "partition") {
    req.mutable_partition()->set_peer(cmd.peer);
  } else if (cmd.kind == "drop") {
    if (cmd.amount > 100)
      return bad("PERCENT must be 0..100");
    req.mutable_drop()->set_peer(cmd.peer);
    req.mutable_drop()->set_percent(cmd.amount);
  } else {
    req.mutable_delay()->set_peer(cmd.peer);
    req.mutable_delay()->set_ms(cmd.amount);
  }
  return req;
}

} // namespace

int run_fault(const target& t, const fault_command& cmd, const admin_io& io) {
  auto what = "fault " + cmd.kind;
  std::vector<size_t> targets;
  if (!cmd.node.empty()) {
    auto found = find_node(t, cmd.node);
    if (!found)
      return fail(io.err, exit_usage, what + ": " + found.error().detail);
    targets.push_back(*found);
  }
  auto built = fault_request(t, cmd);
  if (!built)
    return fail(io.err, exit_usage, what + ": " + built.error().detail);
  const auto& req = *built;
  auto trust = operator_trust(t);
  if (!trust)
    return fail(io.err, exit_usage, what + ": " + trust.error().detail);
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
                  what
                    + ": a fault is signed for a named node: use --config (with "
                      "--endpoints the nodes have no names)");
  std::vector<client::admin_result<admin::FaultResponse>> results;
  for (auto i : targets) {
    auto signed_req = req;
    security::attach_operator_proof(*trust, eps[i].node_id, network::wall_ms(), signed_req);
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
  bool none_reached
    = std::none_of(results.begin(), results.end(), [](const auto& r) { return r.contacted; });
  return fail(io.err, code,
              what + ": " + failures
                + (none_reached ? ": is the cluster up? see 'keelctl cluster status'" : ""));
}

} // namespace keel::keelctl
