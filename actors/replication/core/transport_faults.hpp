// Fault rules of one node's transport: partitions, drop rates and delays per
// peer, as requested by `keelctl fault ...` (admin::FaultRequest). Every rule
// applies to the traffic between this node and one peer in both directions, on
// this node only. Drop decisions come from a seeded PRNG so that a test run is
// reproducible. Pure: owned by the transport actor, which asks it about every
// message it sends or receives.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "messages/admin.pb.h"

namespace keel::transport {

/// The fault rules on one node, keyed by peer node id.
class fault_rules {
public:
  /// `peers` are the node ids rules may name (all configured nodes but this
  /// one); `seed` seeds the PRNG behind drop decisions.
  fault_rules(std::set<std::string> peers, uint64_t seed);

  /// Applies a partition, heal, drop-rate or delay request. A request naming
  /// an unknown peer, a percentage above 100, or a kind the transport does not
  /// handle (crash_path) is refused with `error` set and changes nothing.
  admin::FaultResponse apply(const admin::FaultRequest& req);

  /// Cuts all traffic with `peer`. REQUIRES: peer is known.
  void partition(const std::string& peer);

  /// Drops each message with `peer` with probability percent / 100; 0
  /// removes the rule. REQUIRES: peer is known, percent <= 100.
  void set_drop_percent(const std::string& peer, uint32_t percent);

  /// Holds each batch with `peer` for `ms`; 0 removes the rule.
  // REQUIRES: peer is known.
  void set_delay_ms(const std::string& peer, uint32_t ms);

  /// Removes every rule.
  void heal();

  /// Whether the next message to or from `peer` is lost: always while
  /// partitioned, with the configured probability under a drop rule (one PRNG
  /// draw per call, and only then), never otherwise.
  bool drops(const std::string& peer);

  /// How long batches with `peer` are held; 0 = not delayed.
  uint32_t delay_ms(const std::string& peer) const;

  bool partitioned(const std::string& peer) const;

  /// The rules on `peer` in words, e.g. {"partition", "drop 30%", "delay 100ms"}.
  std::vector<std::string> describe(const std::string& peer) const;

  /// True if no rule is active (the fast path skips all lookups).
  bool empty() const;

private:
  struct rule {
    bool partitioned = false;
    uint32_t drop_percent = 0; // invariant: <= 100
    uint32_t delay_ms = 0;
    bool empty() const { return !partitioned && drop_percent == 0 && delay_ms == 0; }
  };

  void prune(const std::string& peer);

  std::set<std::string> peers_;
  std::map<std::string, rule> rules_; // invariant: no empty rule is stored
  std::mt19937_64 prng_;
};

} // namespace keel::transport
