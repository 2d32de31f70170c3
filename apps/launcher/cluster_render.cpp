#include "apps/launcher/cluster_render.hpp"

#include <algorithm>
#include <iomanip>
#include <ostream>

#include <nlohmann/json.hpp>

namespace keel::launcher {
namespace {

void print_actions(const cluster_report& report, std::ostream& out) {
  for (auto& [index, r] : report) {
    out << r.node->id << ": " << r.action << " (" << to_string(r.process.state);
    if (r.process.pid)
      out << ", pid " << *r.process.pid;
    out << ", " << client_address(*r.node) << (r.port_open ? " open" : " closed") << ", peer "
        << r.node->peer_port << (r.peer_port_open ? " open" : " closed") << ")\n";
  }
}

void print_table(const cluster_report& report, std::ostream& out) {
  size_t id_width = 4;
  size_t address_width = 7;
  for (auto& [index, r] : report) {
    id_width = std::max(id_width, r.node->id.size());
    address_width = std::max(address_width, client_address(*r.node).size());
  }
  auto row = [&](std::string_view id, std::string_view address, std::string_view state,
                 std::string_view pid, std::string_view port, std::string_view peer) {
    out << std::left << std::setw(static_cast<int>(id_width + 2)) << id
        << std::setw(static_cast<int>(address_width + 2)) << address << std::setw(9) << state
        << std::setw(9) << pid << std::setw(8) << port << peer << "\n";
  };
  row("NODE", "ADDRESS", "STATE", "PID", "PORT", "PEER PORT");
  for (auto& [index, r] : report)
    row(r.node->id, client_address(*r.node), to_string(r.process.state),
        r.process.pid              ? std::to_string(*r.process.pid)
        : r.process.stale_pid_file ? "stale"
                                   : "-",
        r.port_open ? "open" : "closed",
        std::to_string(r.node->peer_port) + (r.peer_port_open ? " open" : " closed"));
}

void print_json(const std::string& verb, const cluster_report& report, std::ostream& out) {
  auto nodes = nlohmann::json::array();
  for (auto& [index, r] : report) {
    nlohmann::json n{{"id", r.node->id},
                     {"host", r.node->host},
                     {"port", r.node->port},
                     {"peer_port", r.node->peer_port},
                     {"pid", nullptr},
                     {"state", to_string(r.process.state)},
                     {"port_open", r.port_open},
                     {"peer_port_open", r.peer_port_open},
                     {"stale_pid_file", r.process.stale_pid_file}};
    if (r.process.pid)
      n["pid"] = *r.process.pid;
    if (!r.action.empty())
      n["action"] = r.action;
    nodes.push_back(std::move(n));
  }
  out << nlohmann::json{{"verb", verb}, {"nodes", std::move(nodes)}}.dump() << "\n";
}

} // namespace

void render(const std::string& verb, const cluster_report& report, bool json, std::ostream& out) {
  if (json)
    print_json(verb, report, out);
  else if (verb == "status")
    print_table(report, out);
  else
    print_actions(report, out);
}

} // namespace keel::launcher
