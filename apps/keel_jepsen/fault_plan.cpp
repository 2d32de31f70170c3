#include "apps/keel_jepsen/fault_plan.hpp"

#include <algorithm>
#include <numeric>
#include <random>

#include "actors/base/core/comma_list.hpp"

namespace keel::jepsen {

const char* to_string(fault_kind k) {
  switch (k) {
    case fault_kind::kill: return "kill";
    case fault_kind::kill_leader: return "kill-leader";
    case fault_kind::kill_majority: return "kill-majority";
    case fault_kind::pause: return "pause";
    case fault_kind::partition: return "partition";
    case fault_kind::isolate_leader: return "isolate-leader";
    case fault_kind::bridge: return "bridge";
    case fault_kind::flap: return "flap";
    case fault_kind::loss: return "loss";
    case fault_kind::delay: return "delay";
    case fault_kind::crash: return "crash";
    case fault_kind::restart_all: return "restart-all";
    case fault_kind::lose_data: return "lose-data";
  }
  return "?";
}

fault_list_result parse_fault_list(std::string_view text) {
  fault_list_result out;
  auto add = [&out](fault_kind k) {
    if (std::find(out.kinds.begin(), out.kinds.end(), k) == out.kinds.end())
      out.kinds.push_back(k);
  };
  for (auto word : comma_words(text)) {
    if (word == "all") {
      for (auto k : all_fault_kinds)
        add(k);
      continue;
    }
    if (word == "none")
      continue;
    auto known = std::find_if(std::begin(all_fault_kinds), std::end(all_fault_kinds),
                              [word](fault_kind k) { return word == to_string(k); });
    if (known == std::end(all_fault_kinds)) {
      std::string valid = "all, none";
      for (auto k : all_fault_kinds)
        valid += std::string{", "} + to_string(k);
      out.error = "unknown fault '" + std::string{word} + "' (valid: " + valid + ")";
      out.kinds.clear();
      return out;
    }
    add(*known);
  }
  return out;
}

namespace {

// `count` distinct node indexes out of `nodes`, drawn by `rng`.
std::vector<size_t> some_nodes(size_t count, size_t nodes, std::mt19937_64& rng) {
  std::vector<size_t> all(nodes);
  std::iota(all.begin(), all.end(), size_t{0});
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(std::min(count, nodes));
  return all;
}

bool possible(fault_kind k, size_t nodes) {
  switch (k) {
    case fault_kind::bridge: return nodes >= 3;
    case fault_kind::partition:
    case fault_kind::isolate_leader:
    case fault_kind::flap:
    case fault_kind::loss:
    case fault_kind::delay:
    // A lone node that lost its data has nobody to refuse it.
    case fault_kind::lose_data: return nodes >= 2;
    default: return true;
  }
}

} // namespace

std::vector<planned_fault> make_plan(const plan_settings& s) {
  std::vector<fault_kind> kinds;
  for (auto k : s.kinds)
    if (possible(k, s.nodes))
      kinds.push_back(k);
  std::vector<planned_fault> plan;
  if (kinds.empty() || s.nodes == 0)
    return plan;
  std::mt19937_64 rng{s.seed};
  size_t minority = (s.nodes - 1) / 2; // the most nodes a majority survives without
  size_t majority = s.nodes / 2 + 1;
  std::vector<fault_kind> order; // the current round of kinds, consumed from the back
  for (uint64_t t = s.quiet_ms; t + s.fault_ms + s.quiet_ms <= s.duration_ms;
       t += s.fault_ms + s.quiet_ms) {
    if (order.empty()) {
      order = kinds;
      std::shuffle(order.begin(), order.end(), rng);
    }
    planned_fault f;
    f.kind = order.back();
    order.pop_back();
    f.start_ms = t;
    f.heal_ms = t + s.fault_ms;
    f.pick = rng();
    switch (f.kind) {
      case fault_kind::kill:
      case fault_kind::pause:
      case fault_kind::delay:
      case fault_kind::crash:
      case fault_kind::lose_data: f.nodes = some_nodes(1, s.nodes, rng); break;
      case fault_kind::kill_majority: f.nodes = some_nodes(majority, s.nodes, rng); break;
      case fault_kind::partition:
      case fault_kind::flap: {
        std::uniform_int_distribution<size_t> size{1, std::max<size_t>(1, minority)};
        f.nodes = some_nodes(size(rng), s.nodes, rng);
        break;
      }
      case fault_kind::bridge: {
        // The bridge first, then one half of the others; the rest is the other half.
        auto order_of_nodes = some_nodes(s.nodes, s.nodes, rng);
        size_t half = (s.nodes - 1) / 2;
        f.nodes.assign(order_of_nodes.begin(), order_of_nodes.begin() + 1 + half);
        break;
      }
      case fault_kind::kill_leader:
      case fault_kind::isolate_leader:
      case fault_kind::loss:
      case fault_kind::restart_all: break;
    }
    plan.push_back(std::move(f));
  }
  return plan;
}

} // namespace keel::jepsen
