#include "actors/storage/core/memory_store.hpp"

#include <utility>

namespace keel::storage {

namespace {

using delta = std::map<std::string, std::optional<std::string>, std::less<>>;

class memory_batch final : public kv_store::batch {
public:
  explicit memory_batch(const kv_store* owner)
    : batch(owner) {}

  void put(family f, std::string_view key, std::string_view value) override {
    slot(f, key) = std::string{value};
    ++count_;
  }
  void del(family f, std::string_view key) override {
    slot(f, key) = std::nullopt;
    ++count_;
  }
  uint32_t count() const override { return count_; }
  void clear() override {
    for (auto& d : writes_)
      d.clear();
    count_ = 0;
  }

  const memory_store::writes& writes() const { return writes_; }
  const delta& of(family f) const { return writes_[static_cast<size_t>(f)]; }

private:
  std::optional<std::string>& slot(family f, std::string_view key) {
    auto& d = writes_[static_cast<size_t>(f)];
    auto it = d.find(key);
    if (it == d.end())
      it = d.emplace(std::string{key}, std::nullopt).first;
    return it->second;
  }

  memory_store::writes writes_;
  uint32_t count_ = 0;
};

const memory_batch* own(const kv_store& store, const kv_store::batch* b) {
  KEEL_ASSERT(!b || b->owner() == &store, "a batch of another store used with this store");
  return static_cast<const memory_batch*>(b);
}

} // namespace

memory_store::memory_store(std::string name)
  : name_(std::move(name)),
    current_(std::make_shared<tables>()) {}

std::unique_ptr<kv_store::batch> memory_store::make_batch() const {
  return std::make_unique<memory_batch>(this);
}

void memory_store::apply(const writes& w, tables& t) {
  for (size_t f = 0; f < family_count; ++f)
    for (const auto& [key, value] : w[f]) {
      if (value)
        t[f].insert_or_assign(key, *value);
      else
        t[f].erase(key);
    }
}

result<void> memory_store::commit(batch& pending, bool sync) {
  const auto& mine = *own(*this, &pending);
  std::lock_guard lock{mu_};
  if (auto refused = refuse_change())
    return *refused;
  if (current_.use_count() > 1) // a read in progress still holds the old state
    current_ = std::make_shared<tables>(*current_);
  apply(mine.writes(), *current_);
  unsynced_.push_back(mine.writes());
  if (sync)
    sync_locked();
  pending.clear();
  return {};
}

std::optional<storage_error> memory_store::refuse_change() {
  if (powered_off_)
    return storage_error{errc::io, "the machine is off (memory_store::power_off)"};
  if (!fail_next_)
    return std::nullopt;
  storage_error error{errc::io, std::move(*fail_next_)};
  fail_next_.reset();
  return error;
}

void memory_store::sync_locked() {
  // A lying sync makes durable only what the sync before it covered.
  size_t durable = syncs_lie_ ? covered_by_last_sync_ : unsynced_.size();
  for (size_t i = 0; i < durable; ++i)
    apply(unsynced_[i], durable_);
  unsynced_.erase(unsynced_.begin(), unsynced_.begin() + static_cast<std::ptrdiff_t>(durable));
  covered_by_last_sync_ = unsynced_.size();
}

result<void> memory_store::sync() {
  std::lock_guard lock{mu_};
  if (auto refused = refuse_change())
    return *refused;
  sync_locked();
  return {};
}

namespace {

/// The committed tables a read sees, shared, so that a commit meanwhile copies
/// them instead of changing them under the read.
std::shared_ptr<const memory_store::tables>
committed(std::mutex& mu, const std::shared_ptr<memory_store::tables>& current) {
  std::lock_guard lock{mu};
  return current;
}

} // namespace

std::optional<std::string> memory_store::get(family f, std::string_view key,
                                             const batch* through) const {
  if (const auto* b = own(*this, through)) {
    const auto& d = b->of(f);
    if (auto it = d.find(key); it != d.end())
      return it->second;
  }
  auto t = committed(mu_, current_);
  const auto& base = (*t)[static_cast<size_t>(f)];
  if (auto it = base.find(key); it != base.end())
    return it->second;
  return std::nullopt;
}

void memory_store::scan(family f, std::string_view lo, std::string_view hi, const batch* through,
                        const visitor& visit) const {
  if (lo >= hi)
    return;
  auto t = committed(mu_, current_);
  const auto& base = (*t)[static_cast<size_t>(f)];
  static const delta none;
  const auto* b = own(*this, through);
  const auto& d = b ? b->of(f) : none;
  auto i = base.lower_bound(lo), i_end = base.lower_bound(hi);
  auto j = d.lower_bound(lo), j_end = d.lower_bound(hi);
  while (i != i_end || j != j_end) {
    // The batch's write of a key hides the committed value of the same key.
    if (j == j_end || (i != i_end && i->first < j->first)) {
      if (!visit(i->first, i->second))
        return;
      ++i;
      continue;
    }
    if (i != i_end && i->first == j->first)
      ++i;
    if (j->second && !visit(j->first, *j->second))
      return;
    ++j;
  }
}

std::optional<std::string> memory_store::last_key(family f, std::string_view lo,
                                                  std::string_view hi, const batch* through) const {
  check_backward_read(f);
  if (lo >= hi)
    return std::nullopt;
  auto t = committed(mu_, current_);
  const auto& base = (*t)[static_cast<size_t>(f)];
  const auto* b = own(*this, through);
  std::optional<std::string> last;
  for (auto it = base.lower_bound(hi); it != base.begin();) {
    --it;
    if (it->first < lo)
      break;
    if (b) {
      const auto& d = b->of(f);
      if (auto w = d.find(it->first); w != d.end() && !w->second)
        continue; // deleted in the batch
    }
    last = it->first;
    break;
  }
  if (b) {
    const auto& d = b->of(f);
    for (auto it = d.lower_bound(hi); it != d.begin();) {
      --it;
      if (it->first < lo || (last && it->first <= *last))
        break;
      if (it->second) {
        last = it->first;
        break;
      }
    }
  }
  return last;
}

void memory_store::crash(size_t keep_unsynced) {
  std::lock_guard lock{mu_};
  auto survivor = std::make_shared<tables>(durable_);
  for (size_t i = 0; i < keep_unsynced && i < unsynced_.size(); ++i)
    apply(unsynced_[i], *survivor);
  // What survived is on disk now: a second crash cannot lose it.
  durable_ = *survivor;
  unsynced_.clear();
  covered_by_last_sync_ = 0;
  powered_off_ = false;
  current_ = std::move(survivor);
}

size_t memory_store::unsynced_commits() const {
  std::lock_guard lock{mu_};
  return unsynced_.size();
}

void memory_store::power_off() {
  std::lock_guard lock{mu_};
  powered_off_ = true;
}

void memory_store::make_syncs_lie() {
  std::lock_guard lock{mu_};
  syncs_lie_ = true;
}

void memory_store::fail_next_commit(std::string error) {
  std::lock_guard lock{mu_};
  fail_next_ = std::move(error);
}

std::shared_ptr<const kv_store> memory_store::read_view() const {
  // A store of its own over the committed tables: commit() copies them
  // before it writes while the view holds them (current_'s use count).
  auto view = std::make_shared<memory_store>(name_ + " (read view)");
  auto t = committed(mu_, current_);
  view->current_ = std::const_pointer_cast<tables>(t);
  return view;
}

} // namespace keel::storage
