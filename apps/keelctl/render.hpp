// Text and JSON views of what nodes report to keelctl: aligned tables,
// durations, the supervision tree as an indented tree, and the admin protobuf
// messages as JSON. Pure formatting; used by the operator commands
// (status, members, tree, fault).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "messages/admin.pb.h"

namespace keel::keelctl {

/// Rows printed as columns padded to their widest cell; the first row is the
/// header. Trailing spaces are trimmed.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

/// 850 -> "850ms", 12300 -> "12.3s", 303000 -> "5m03s", 7500000 -> "2h05m",
/// 273600000 -> "3d04h".
std::string duration_text(uint64_t ms);

/// The tree under `root`, one actor per line, children indented by two
/// spaces: path, kind (with the strategy for supervisors), restart type,
/// restart count, uptime (or "not running") and the last exit reason.
void print_tree(std::ostream& out, const admin::ActorInfo& root);

nlohmann::json to_json(const admin::ActorInfo& a);
nlohmann::json to_json(const admin::ShardStatus& s);
nlohmann::json to_json(const admin::PeerInfo& p);

} // namespace keel::keelctl
