#include "apps/keelctl/render.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <ostream>
#include <string_view>

namespace keel::keelctl {

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
                 table_style style, bool header) {
  if (style == table_style::simple) {
    for (size_t r = header ? 1 : 0; r < rows.size(); ++r) {
      std::string line;
      for (size_t c = 0; c < rows[r].size(); ++c) {
        // Indentation is for eyes; a script wants the field.
        auto field = std::string_view{rows[r][c]};
        field.remove_prefix(std::min(field.find_first_not_of(' '), field.size()));
        line += (c == 0 ? "" : ", ");
        line += field;
      }
      out << line << '\n';
    }
    return;
  }
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t c = 0; c < row.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size())
        line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out << line << '\n';
  }
}

std::string duration_text(uint64_t ms) {
  char buf[32];
  if (ms < 1000)
    std::snprintf(buf, sizeof buf, "%llums", static_cast<unsigned long long>(ms));
  else if (ms < 60'000)
    std::snprintf(buf, sizeof buf, "%.1fs",
                  static_cast<double>(ms - ms % 100) / 1000.0); // tenths, cut
  else if (ms < 3'600'000)
    std::snprintf(buf, sizeof buf, "%llum%02llus", static_cast<unsigned long long>(ms / 60'000),
                  static_cast<unsigned long long>(ms / 1000 % 60));
  else if (ms < 86'400'000)
    std::snprintf(buf, sizeof buf, "%lluh%02llum", static_cast<unsigned long long>(ms / 3'600'000),
                  static_cast<unsigned long long>(ms / 60'000 % 60));
  else
    std::snprintf(buf, sizeof buf, "%llud%02lluh", static_cast<unsigned long long>(ms / 86'400'000),
                  static_cast<unsigned long long>(ms / 3'600'000 % 24));
  return buf;
}

namespace {

void tree_rows(const admin::ActorInfo& a, size_t depth,
               std::vector<std::vector<std::string>>& rows) {
  bool sup = a.kind() == admin::ACTOR_KIND_SUPERVISOR;
  std::vector<std::string> row;
  row.push_back(std::string(depth * 2, ' ') + a.path());
  row.emplace_back(sup ? "supervisor" : "worker");
  row.push_back(sup ? a.strategy() : "");
  row.push_back(a.restart_type());
  row.push_back("restarts " + std::to_string(a.restart_count()));
  row.push_back(a.running() ? "up " + duration_text(a.uptime_ms()) : "not running");
  row.push_back(a.last_exit_reason().empty() ? "" : "last exit: " + a.last_exit_reason());
  rows.push_back(std::move(row));
  for (const auto& child : a.children())
    tree_rows(child, depth + 1, rows);
}

} // namespace

void print_tree(std::ostream& out, const admin::ActorInfo& root, table_style style) {
  std::vector<std::vector<std::string>> rows;
  tree_rows(root, 0, rows);
  print_table(out, rows, style, /*header=*/false);
}

nlohmann::json to_json(const admin::ActorInfo& a) {
  nlohmann::json j;
  j["path"] = a.path();
  j["kind"] = a.kind() == admin::ACTOR_KIND_SUPERVISOR ? "supervisor" : "worker";
  if (!a.strategy().empty())
    j["strategy"] = a.strategy();
  j["restart_type"] = a.restart_type();
  j["actor_id"] = a.actor_id();
  j["running"] = a.running();
  j["restart_count"] = a.restart_count();
  j["uptime_ms"] = a.uptime_ms();
  j["last_exit_reason"] = a.last_exit_reason();
  j["children"] = nlohmann::json::array();
  for (const auto& c : a.children())
    j["children"].push_back(to_json(c));
  return j;
}

nlohmann::json to_json(const admin::ShardStatus& s) {
  nlohmann::json j;
  j["shard"] = s.shard();
  j["role"] = s.role();
  j["term"] = s.term();
  j["commit_index"] = s.commit_index();
  j["applied_index"] = s.applied_index();
  j["last_index"] = s.last_index();
  j["snapshot_index"] = s.snapshot_index();
  j["leader_id"] = s.leader_id().empty() ? nlohmann::json(nullptr) : nlohmann::json(s.leader_id());
  j["progress"] = nlohmann::json::array();
  for (const auto& p : s.progress())
    j["progress"].push_back({{"node_id", p.node_id()},
                             {"match_index", p.match_index()},
                             {"next_index", p.next_index()},
                             {"recent_active", p.recent_active()}});
  return j;
}

nlohmann::json to_json(const admin::PeerInfo& p) {
  return {{"node_id", p.node_id()},
          {"address", p.address()},
          {"self", p.self()},
          {"connected", p.connected()},
          {"state_age_ms", p.state_age_ms()},
          {"reconnect_attempts", p.reconnect_attempts()},
          {"messages_sent", p.messages_sent()},
          {"batches_sent", p.batches_sent()},
          {"messages_received", p.messages_received()},
          {"messages_dropped", p.messages_dropped()},
          {"messages_invalid", p.messages_invalid()},
          {"invalid_by_rule",
           std::map<std::string, uint64_t>(p.invalid_by_rule().begin(), p.invalid_by_rule().end())},
          {"phi", p.phi()},
          {"verdict", p.verdict()},
          {"verdict_age_ms", p.verdict_age_ms()},
          {"times_suspected", p.times_suspected()},
          {"faults", std::vector<std::string>(p.faults().begin(), p.faults().end())},
          {"last_error", p.last_error()}};
}

} // namespace keel::keelctl
