#include "apps/node_http/dashboard_routes.hpp"

#include <mutex>

#include <google/protobuf/util/json_util.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "actors/client/client.hpp"
#include "actors/config/core/loopback.hpp"
#include "actors/metrics/core/exposition.hpp"
#include "actors/network/wall_clock.hpp"
#include "actors/security/core/operator_proof.hpp"
#include "actors/security/core/trust.hpp"
#include "apps/common/client_target.hpp"
#include "apps/node_http/dashboard_assets.hpp"

namespace keel::http {

namespace {

using nlohmann::json;

// A proto as JSON with proto field names and every field present (zeros
// too, so the page need not know the defaults); 64-bit integers are strings,
// as proto3's JSON mapping has it.
json proto_json(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = true;
  opts.preserve_proto_field_names = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(m, &text, opts).ok())
    return nullptr;
  return json::parse(text, nullptr, false);
}

// The counters behind the page's sparklines, from the node's metrics text:
// the page divides their differences between two polls.
json request_counters(const admin::NodeMetrics& m) {
  auto parsed = metrics::parse_exposition(m.exposition());
  if (!parsed)
    return nullptr;
  const auto& fams = parsed.value();
  return {{"requests", metrics::sum_values(fams, "keel_requests_total")},
          {"latency_sum_s", metrics::sum_values(fams, "keel_request_duration_seconds_sum")},
          {"latency_count", metrics::sum_values(fams, "keel_request_duration_seconds_count")},
          {"restarts", metrics::sum_values(fams, "keel_supervisor_restarts_total")}};
}

struct dashboard {
  dashboard_config cfg;
  client::target target;
  std::mutex rt_mu;
  std::unique_ptr<client::runtime> rt; // made at the first request: see runtime()
  std::string faults_off;              // why the page may not inject faults; empty: it may

  // The client runtime is a second actor system in the node (with TLS, a
  // second openssl manager): it exists only once the page is used, so a
  // node whose dashboard nobody opens carries none of it.
  client::runtime& runtime() {
    std::lock_guard lock(rt_mu);
    if (!rt)
      rt = std::make_unique<client::runtime>(target.transport);
    return *rt;
  }

  json cluster_view() {
    client::session s{runtime(), target.options};
    auto trees = s.tree_all();
    auto statuses = s.status_all();
    auto members = s.members_all();
    auto counters = s.metrics_all();
    json nodes = json::array();
    const auto& eps = s.endpoints();
    for (size_t i = 0; i < eps.size(); ++i) {
      json n{{"id", eps[i].node_id}, {"address", eps[i].address()}};
      n["reachable"] = trees[i].ok() || statuses[i].ok() || members[i].ok();
      n["error"] = trees[i].ok() ? "" : trees[i].error;
      n["tree"] = trees[i].ok() ? proto_json(trees[i].value->root()) : json(nullptr);
      n["status"] = statuses[i].ok() ? proto_json(*statuses[i].value) : json(nullptr);
      n["members"] = members[i].ok() ? proto_json(*members[i].value) : json(nullptr);
      n["counters"] = counters[i].ok() ? request_counters(*counters[i].value) : json(nullptr);
      nodes.push_back(std::move(n));
    }
    return {{"served_by", cfg.node_id},
            {"time_ms", network::wall_ms()},
            {"shards", cfg.cluster.shards},
            {"replication_factor", cfg.cluster.replication_factor},
            {"faults_allowed", faults_off.empty()},
            {"faults_off", faults_off},
            {"nodes", nodes}};
  }

  // {"kind": "crash", "node": "n1", "path": "/n1/..."} | {"kind": "partition",
  // "node": "n1", "peer": "n2"} | {"kind": "heal"}: a partition is made on
  // both sides, a heal on every node, as `keelctl fault` does.
  std::pair<int, json> fault(const std::string& body) {
    if (!faults_off.empty())
      return {403, {{"error", faults_off}}};
    auto req = json::parse(body, nullptr, false);
    if (!req.is_object() || !req.contains("kind") || !req["kind"].is_string())
      return {400, {{"error", "expected a JSON object with a string 'kind'"}}};
    auto text = [&req](const char* key) {
      return req.contains(key) && req[key].is_string() ? req[key].get<std::string>() : "";
    };
    auto kind = text("kind");
    client::session s{runtime(), target.options};
    const auto& eps = s.endpoints();
    auto index_of = [&eps](const std::string& id) -> std::optional<size_t> {
      for (size_t i = 0; i < eps.size(); ++i)
        if (eps[i].node_id == id)
          return i;
      return std::nullopt;
    };
    std::vector<std::pair<size_t, admin::FaultRequest>> sends;
    if (kind == "crash") {
      auto node = index_of(text("node"));
      if (!node || text("path").empty())
        return {400, {{"error", "crash needs a known 'node' and a 'path'"}}};
      admin::FaultRequest r;
      r.set_crash_path(text("path"));
      sends.emplace_back(*node, r);
    } else if (kind == "partition") {
      auto a = index_of(text("node")), b = index_of(text("peer"));
      if (!a || !b || *a == *b)
        return {400, {{"error", "partition needs two different known nodes 'node' and 'peer'"}}};
      admin::FaultRequest r;
      r.mutable_partition()->set_peer(eps[*b].node_id);
      sends.emplace_back(*a, r);
      r.mutable_partition()->set_peer(eps[*a].node_id);
      sends.emplace_back(*b, r);
    } else if (kind == "heal") {
      admin::FaultRequest r;
      r.mutable_heal();
      for (size_t i = 0; i < eps.size(); ++i)
        sends.emplace_back(i, r);
    } else {
      return {400, {{"error", "unknown kind '" + kind + "' (crash, partition or heal)"}}};
    }
    json results = json::array();
    bool all_ok = true;
    for (auto& [i, r] : sends) {
      security::attach_operator_proof(*cfg.node_trust, eps[i].node_id, network::wall_ms(), r);
      auto answer = s.fault(i, r);
      bool ok = answer.ok() && answer.value->ok();
      all_ok &= ok;
      results.push_back({{"node", eps[i].node_id},
                         {"ok", ok},
                         {"detail", ok            ? answer.value->detail()
                                    : answer.ok() ? answer.value->error()
                                                  : answer.error}});
    }
    return {all_ok ? 200 : 502, {{"results", results}}};
  }
};

// Why the page may not inject faults here, or empty.
std::string faults_refusal(const dashboard_config& cfg) {
  if (!cfg.cluster.fault_injection)
    return "fault injection is disabled: set [cluster] fault_injection = true in cluster.conf";
  if (!config::is_loopback(cfg.bind))
    return "the HTTP endpoint is bound to " + cfg.bind
           + ", not a loopback address: use keelctl fault from an operator's machine";
  if (cfg.cluster.security.tls())
    return "the cluster runs TLS: faults need an operator certificate; use keelctl fault";
  return {};
}

void serve_asset(httplib::Server& srv, const std::string& path, const asset& a) {
  srv.Get(path, [&a](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(a.bytes), a.content_type);
    res.set_header("Cache-Control", "no-cache");
  });
}

} // namespace

route_installer dashboard_routes(dashboard_config cfg) {
  auto d = std::make_shared<dashboard>();
  d->faults_off = faults_refusal(cfg);
  // The node asks the cluster as a client does; with TLS it presents its own
  // certificate, which the client ports accept for reading.
  client::tls_flags tls;
  if (cfg.cluster.security.tls()) {
    auto* me = cfg.cluster.find_node(cfg.node_id);
    tls = {cfg.cluster.security.ca_file, me->cert_file, me->key_file};
  }
  auto resolved = client::resolve_target(cfg.cluster.source, "", 3000, tls);
  d->cfg = std::move(cfg);
  return [d, resolved = std::move(resolved)](httplib::Server& srv) mutable {
    for (const auto& [path, a] : dashboard_assets())
      serve_asset(srv, path, a);
    if (!resolved) {
      auto why = "the dashboard cannot reach the cluster: " + resolved.error().detail;
      srv.Get("/api/cluster", [why](const httplib::Request&, httplib::Response& res) {
        res.status = 503;
        res.set_content(json{{"error", why}}.dump(), "application/json");
      });
      return;
    }
    d->target = std::move(resolved).value();
    srv.Get("/api/cluster", [d](const httplib::Request&, httplib::Response& res) {
      res.set_content(d->cluster_view().dump(), "application/json");
      res.set_header("Cache-Control", "no-store");
    });
    srv.Post("/api/fault", [d](const httplib::Request& req, httplib::Response& res) {
      // Only the page itself: a cross-site form cannot set this header, and a
      // cross-site fetch that sets it needs a preflight this server never
      // grants. The Host check stops a DNS-rebound name pointing here.
      auto host = req.get_header_value("Host"); // absent (HTTP/1.0): empty, refused below
      auto name = !host.empty() && host.front() == '[' ? host.substr(1, host.find(']') - 1)
                                                       : host.substr(0, host.rfind(':'));
      if (req.get_header_value("X-Keel-Dashboard") != "1" || !config::is_loopback(name)) {
        res.status = 403;
        res.set_content(json{{"error", "faults are taken from the dashboard page only"}}.dump(),
                        "application/json");
        return;
      }
      auto [status, body] = d->fault(req.body);
      res.status = status;
      res.set_content(body.dump(), "application/json");
    });
  };
}

} // namespace keel::http
