#include "actors/client/core/retry_policy.hpp"

#include <algorithm>
#include <utility>

#include "actors/base/core/errors.hpp"

namespace keel::client {

retry_policy::retry_policy(std::vector<std::string> endpoint_ids, retry_settings settings,
                           uint64_t seed)
  : ids_(std::move(endpoint_ids)),
    settings_(settings),
    prng_(seed) {
  KEEL_ASSERT(!ids_.empty(), "a retry policy rotates over at least one endpoint");
  // A zero bound would let an operation spin through instant redirects until
  // its deadline; a cap below the first bound would shrink the waits.
  settings_.initial_backoff_ms = std::max(settings_.initial_backoff_ms, 1u);
  settings_.max_backoff_ms = std::max(settings_.max_backoff_ms, settings_.initial_backoff_ms);
  // Start the rotation at a seeded random endpoint, so that many clients
  // spread their first requests over the nodes instead of all hitting one.
  cursor_ = static_cast<size_t>(prng_() % ids_.size());
}

retry_state retry_policy::begin(uint32_t shard) {
  retry_state s;
  s.shard = shard;
  s.endpoint = cached_leader(shard).value_or(cursor_);
  s.tried.assign(ids_.size(), false);
  return s;
}

retry_state retry_policy::begin_any(uint32_t shard) {
  retry_state s;
  s.shard = shard;
  s.endpoint = cursor_;
  s.tried.assign(ids_.size(), false);
  cursor_ = (cursor_ + 1) % ids_.size();
  return s;
}

std::optional<next_attempt> retry_policy::after(retry_state& s, failure why,
                                                std::string_view leader_hint, uint64_t elapsed_ms,
                                                uint64_t timeout_ms) {
  s.tried[s.endpoint] = true;
  auto cached = leaders_.find(s.shard);
  if (cached != leaders_.end() && cached->second == s.endpoint)
    leaders_.erase(cached); // it failed us: do not send the next operation there
  size_t next = (s.endpoint + 1) % ids_.size();
  if (why == failure::rejected) {
    if (auto hinted = endpoint_of(leader_hint)) {
      next = *hinted;
      leaders_[s.shard] = next;
    }
  }
  cursor_ = next;
  uint32_t delay = s.tried[next] ? backoff_ms(s.backoffs) : 0;
  if (elapsed_ms + delay >= timeout_ms)
    return std::nullopt;
  if (s.tried[next])
    ++s.backoffs;
  s.endpoint = next;
  return next_attempt{next, delay};
}

void retry_policy::leader_answered(const retry_state& s) {
  leaders_[s.shard] = s.endpoint;
  cursor_ = s.endpoint;
}

std::optional<size_t> retry_policy::cached_leader(uint32_t shard) const {
  auto i = leaders_.find(shard);
  if (i == leaders_.end())
    return std::nullopt;
  return i->second;
}

uint32_t retry_policy::backoff_ms(uint32_t n) {
  // "Exponential Backoff And Jitter" (M. Brooker, AWS, 2015): full jitter
  // spreads retries best. The shift is clamped so the bound cannot overflow.
  uint64_t bound = uint64_t{settings_.initial_backoff_ms} << std::min(n, 31u);
  bound = std::min<uint64_t>(bound, settings_.max_backoff_ms);
  std::uniform_int_distribution<uint64_t> pick(0, bound);
  return static_cast<uint32_t>(pick(prng_));
}

std::optional<size_t> retry_policy::endpoint_of(std::string_view node_id) const {
  if (node_id.empty())
    return std::nullopt;
  for (size_t i = 0; i < ids_.size(); ++i)
    if (ids_[i] == node_id)
      return i;
  return std::nullopt;
}

} // namespace keel::client
