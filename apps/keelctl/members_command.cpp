#include "apps/keelctl/members_command.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>

#include "apps/keelctl/render.hpp"

namespace keel::keelctl {

int run_members(const target& t, const admin_io& io) {
  client::runtime rt{t.transport};
  client::session s{rt, t.options};
  auto all = s.members_all();
  const auto& eps = s.endpoints();
  if (io.json) {
    nlohmann::json nodes = nlohmann::json::array();
    for (size_t i = 0; i < all.size(); ++i) {
      const auto& r = all[i];
      nlohmann::json n{
        {"id", eps[i].node_id}, {"address", eps[i].address()}, {"reachable", r.contacted}};
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
      std::vector<std::vector<std::string>> rows{{"  NODE", "ADDRESS", "CONNECTED", "SINCE", "PHI",
                                                  "VERDICT", "SUSPECTED", "DROPPED", "INVALID",
                                                  "FAULTS"}};
      for (const auto& p : r.value->nodes()) {
        char phi[16];
        std::snprintf(phi, sizeof phi, "%.1f", p.phi());
        std::string faults;
        for (const auto& f : p.faults())
          faults += (faults.empty() ? "" : ", ") + f;
        rows.push_back({"  " + p.node_id() + (p.self() ? " (self)" : ""), p.address(),
                        p.self() ? "-" : (p.connected() ? "yes" : "no"),
                        p.self() ? "-" : duration_text(p.state_age_ms()), p.self() ? "-" : phi,
                        p.self() ? "-" : p.verdict() + " " + duration_text(p.verdict_age_ms()),
                        p.self() ? "-" : std::to_string(p.times_suspected()) + "x",
                        std::to_string(p.messages_dropped()),
                        p.self() ? "-" : std::to_string(p.messages_invalid()),
                        faults.empty() ? "-" : faults});
      }
      print_table(io.out, rows, io.style);
      // What the gate threw away before anyone was authenticated, and which
      // rules the invalid messages broke: signs of an attack or a bug.
      if (r.value->dropped_unauthenticated() > 0 || r.value->refused_handshakes() > 0)
        io.out << "  refused at the peer gate: " << r.value->refused_handshakes() << " handshakes, "
               << r.value->dropped_unauthenticated() << " unauthenticated frames\n";
      for (const auto& p : r.value->nodes())
        for (const auto& [rule, n] : p.invalid_by_rule())
          io.out << "  invalid from " << p.node_id() << ": " << rule << " x" << n << "\n";
      // Why a peer stays away: above all, a peer refused for lost data.
      for (const auto& p : r.value->nodes())
        if (!p.connected() && !p.last_error().empty())
          io.out << "  " << p.node_id() << " not connected: " << p.last_error() << "\n";
    }
    io.out.flush();
  }
  bool any_reached = std::any_of(all.begin(), all.end(), [](const auto& r) { return r.contacted; });
  return any_reached ? exit_done : none_answered(io, "members", all);
}

} // namespace keel::keelctl
