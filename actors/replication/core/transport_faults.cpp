#include "actors/replication/core/transport_faults.hpp"

#include <utility>

#include "actors/base/core/errors.hpp"

namespace keel::transport {

namespace {

admin::FaultResponse refused(std::string why) {
  admin::FaultResponse r;
  r.set_error(std::move(why));
  return r;
}

admin::FaultResponse done(std::string what) {
  admin::FaultResponse r;
  r.set_ok(true);
  r.set_detail(std::move(what));
  return r;
}

} // namespace

fault_rules::fault_rules(std::set<std::string> peers, uint64_t seed)
  : peers_(std::move(peers)),
    prng_(seed) {}

admin::FaultResponse fault_rules::apply(const admin::FaultRequest& req) {
  auto known = [this](const std::string& peer) { return peers_.count(peer) > 0; };
  auto unknown = [](const std::string& peer) {
    return refused("unknown peer '" + peer + "': name another node of cluster.conf (not this one)");
  };
  switch (req.fault_case()) {
    case admin::FaultRequest::kPartition: {
      auto& peer = req.partition().peer();
      if (!known(peer))
        return unknown(peer);
      partition(peer);
      return done("partitioned from " + peer);
    }
    case admin::FaultRequest::kHeal: heal(); return done("healed: all fault rules removed");
    case admin::FaultRequest::kDrop: {
      auto& peer = req.drop().peer();
      if (!known(peer))
        return unknown(peer);
      auto percent = req.drop().percent();
      if (percent > 100)
        return refused("drop percentage must be 0..100 (got " + std::to_string(percent) + ")");
      set_drop_percent(peer, percent);
      return done("dropping " + std::to_string(percent) + "% of messages with " + peer);
    }
    case admin::FaultRequest::kDelay: {
      auto& peer = req.delay().peer();
      if (!known(peer))
        return unknown(peer);
      set_delay_ms(peer, req.delay().ms());
      return done("delaying messages with " + peer + " by " + std::to_string(req.delay().ms())
                  + " ms");
    }
    default: return refused("not a transport fault (partition, heal, drop, delay)");
  }
}

void fault_rules::partition(const std::string& peer) {
  KEEL_ASSERT(peers_.count(peer), "apply() refuses unknown peers first");
  rules_[peer].partitioned = true;
}

void fault_rules::set_drop_percent(const std::string& peer, uint32_t percent) {
  KEEL_ASSERT(peers_.count(peer), "apply() refuses unknown peers first");
  KEEL_ASSERT(percent <= 100, "apply() refuses a drop above 100%");
  rules_[peer].drop_percent = percent;
  prune(peer);
}

void fault_rules::set_delay_ms(const std::string& peer, uint32_t ms) {
  KEEL_ASSERT(peers_.count(peer), "apply() refuses unknown peers first");
  rules_[peer].delay_ms = ms;
  prune(peer);
}

void fault_rules::heal() { rules_.clear(); }

bool fault_rules::drops(const std::string& peer) {
  auto i = rules_.find(peer);
  if (i == rules_.end())
    return false;
  if (i->second.partitioned)
    return true;
  if (i->second.drop_percent == 0)
    return false;
  // Draw in [0, 100): a message is lost when the draw falls below the rate,
  // so 100% always drops and 0% never does.
  std::uniform_int_distribution<uint32_t> draw(0, 99);
  return draw(prng_) < i->second.drop_percent;
}

uint32_t fault_rules::delay_ms(const std::string& peer) const {
  auto i = rules_.find(peer);
  return i == rules_.end() ? 0 : i->second.delay_ms;
}

bool fault_rules::partitioned(const std::string& peer) const {
  auto i = rules_.find(peer);
  return i != rules_.end() && i->second.partitioned;
}

std::vector<std::string> fault_rules::describe(const std::string& peer) const {
  std::vector<std::string> out;
  auto i = rules_.find(peer);
  if (i == rules_.end())
    return out;
  if (i->second.partitioned)
    out.emplace_back("partition");
  if (i->second.drop_percent > 0)
    out.push_back("drop " + std::to_string(i->second.drop_percent) + "%");
  if (i->second.delay_ms > 0)
    out.push_back("delay " + std::to_string(i->second.delay_ms) + "ms");
  return out;
}

bool fault_rules::empty() const { return rules_.empty(); }

void fault_rules::prune(const std::string& peer) {
  auto i = rules_.find(peer);
  if (i != rules_.end() && i->second.empty())
    rules_.erase(i);
}

} // namespace keel::transport
