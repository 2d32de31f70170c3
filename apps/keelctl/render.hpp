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

/// How tables come out: `aligned` (columns padded to their widest cell, the
/// header first; keelctl's default, -w table) or `simple` (-w simple, for
/// scripts in the style of etcdctl: no header, no padding, every field kept
/// and separated by ", ").
enum class table_style { aligned, simple };

/// Prints `rows`; with `header`, the first row is the header (left out when
/// simple). Trailing spaces are trimmed.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
                 table_style style = table_style::aligned, bool header = true);

/// 850 -> "850ms", 12300 -> "12.3s", 303000 -> "5m03s", 7500000 -> "2h05m",
/// 273600000 -> "3d04h".
std::string duration_text(uint64_t ms);

/// The tree under `root`, one actor per line, children indented by two
/// spaces: path, kind (with the strategy for supervisors), restart type,
/// restart count, uptime (or "not running") and the last exit reason.
/// Simple: one line per actor, fields not padded, paths not indented.
void print_tree(std::ostream& out, const admin::ActorInfo& root,
                table_style style = table_style::aligned);

nlohmann::json to_json(const admin::ActorInfo& a);
nlohmann::json to_json(const admin::ShardStatus& s);
nlohmann::json to_json(const admin::PeerInfo& p);

} // namespace keel::keelctl
