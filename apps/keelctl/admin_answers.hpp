// What keelctl's operator commands (status, members, tree, fault) share: where
// they print, and how the nodes' answers become a line or an exit code of
// docs/contract.md.
#pragma once

#include <algorithm>
#include <iosfwd>
#include <string>
#include <vector>

#include "apps/keelctl/render.hpp"
#include "apps/keelctl/report.hpp"
#include "apps/keelctl/target.hpp"

namespace keel::keelctl {

/// Output settings shared by the operator commands.
struct admin_io {
  bool json = false;
  std::ostream& out;
  std::ostream& err;
  table_style style = table_style::aligned; // when not json
};

/// The error of an operator call without the node's name in front (tables
/// already show the node).
std::string detail_of(const std::string& error, const client::endpoint& ep);

/// "n1 (127.0.0.1:4001)", or the address alone for a node without a name.
std::string heading(const client::endpoint& ep);

/// Prints the error line of a query sent to every node that no node answered,
/// and returns its exit code: unavailable when no node was even reached
/// (nothing can have been seen), unknown otherwise.
int none_answered(const admin_io& io, const std::string& what,
                  const std::vector<std::string>& errors, bool maybe_sent);

template <class T>
int none_answered(const admin_io& io, const std::string& what,
                  const std::vector<client::admin_result<T>>& results) {
  std::vector<std::string> errors;
  bool maybe_sent = false;
  for (const auto& r : results) {
    errors.push_back(r.error);
    maybe_sent |= r.contacted;
  }
  return none_answered(io, what, errors, maybe_sent);
}

template <class T>
bool any_ok(const std::vector<client::admin_result<T>>& results) {
  return std::any_of(results.begin(), results.end(), [](const auto& r) { return r.ok(); });
}

/// The exit code for one failed call to one node.
template <class T>
int code_of(const client::admin_result<T>& r) {
  return r.outcome == client::outcome::unknown ? exit_unknown : exit_unavailable;
}

} // namespace keel::keelctl
