#include "actors/metrics/core/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "actors/base/core/errors.hpp"

namespace keel::metrics {

histogram::histogram(std::vector<double> upper_bounds)
  : bounds_(std::move(upper_bounds)),
    buckets_(new std::atomic<uint64_t>[bounds_.size()]) {
  KEEL_ASSERT(std::is_sorted(bounds_.begin(), bounds_.end())
                && std::adjacent_find(bounds_.begin(), bounds_.end()) == bounds_.end(),
              "histogram bounds must be strictly increasing");
  for (size_t i = 0; i < bounds_.size(); ++i)
    buckets_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double v) noexcept {
  // The first bound >= v: Prometheus' buckets are "less than or equal".
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  if (it != bounds_.end())
    buckets_[static_cast<size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

uint64_t histogram::cumulative(size_t i) const noexcept {
  uint64_t n = 0;
  for (size_t j = 0; j <= i && j < bounds_.size(); ++j)
    n += buckets_[j].load(std::memory_order_relaxed);
  return n;
}

std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

const char* to_string(metric_type t) {
  switch (t) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
  }
  return "untyped";
}

bool valid_name(const std::string& name, bool label) {
  if (name.empty())
    return false;
  auto head = [label](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':');
  };
  if (!head(name[0]))
    return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [&](char c) { return head(c) || (c >= '0' && c <= '9'); });
}

std::string render_labels(const labels& ls, const std::pair<std::string, std::string>* extra) {
  if (ls.empty() && !extra)
    return {};
  std::string out = "{";
  auto add = [&out](const std::string& k, const std::string& v) {
    if (out.size() > 1)
      out += ',';
    out += k;
    out += "=\"";
    for (char c : v) {
      if (c == '\\')
        out += "\\\\";
      else if (c == '"')
        out += "\\\"";
      else if (c == '\n')
        out += "\\n";
      else
        out += c;
    }
    out += '"';
  };
  for (auto& [k, v] : ls)
    add(k, v);
  if (extra)
    add(extra->first, extra->second);
  out += '}';
  return out;
}

std::string render_value(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  KEEL_ASSERT(ec == std::errc{}, "a double always fits 64 characters");
  return std::string(buf, end);
}

registry::series& registry::find_or_add(const std::string& name, const std::string& help,
                                        metric_type type, const labels& ls) {
  KEEL_ASSERT(valid_name(name), "invalid metric name");
  for (auto& [k, v] : ls) {
    KEEL_ASSERT(valid_name(k, true) && k.rfind("__", 0) != 0, "invalid label name");
    KEEL_ASSERT(!(type == metric_type::histogram && k == "le"), "'le' is reserved in histograms");
  }
  auto [fam, fresh] = families_.try_emplace(name, family{type, help, {}});
  KEEL_ASSERT(fresh || fam->second.type == type, "one metric name registered as two types");
  auto key = render_labels(ls);
  auto [s, added] = fam->second.by_labels.try_emplace(key);
  if (added)
    s->second.ls = ls;
  return s->second;
}

counter& registry::get_counter(const std::string& name, const std::string& help, const labels& ls) {
  std::lock_guard lock(mu_);
  auto& s = find_or_add(name, help, metric_type::counter, ls);
  if (!s.c)
    s.c = std::make_unique<counter>();
  return *s.c;
}

gauge& registry::get_gauge(const std::string& name, const std::string& help, const labels& ls) {
  std::lock_guard lock(mu_);
  auto& s = find_or_add(name, help, metric_type::gauge, ls);
  if (!s.g)
    s.g = std::make_unique<gauge>();
  return *s.g;
}

histogram& registry::get_histogram(const std::string& name, const std::string& help,
                                   const std::vector<double>& bounds, const labels& ls) {
  std::lock_guard lock(mu_);
  auto& s = find_or_add(name, help, metric_type::histogram, ls);
  if (!s.h)
    s.h = std::make_unique<histogram>(bounds);
  KEEL_ASSERT(s.h->bounds() == bounds, "one histogram registered with two sets of buckets");
  return *s.h;
}

namespace {

std::string escape_help(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

} // namespace

std::string registry::expose() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (auto& [name, fam] : families_) {
    out += "# HELP " + name + " " + escape_help(fam.help) + "\n";
    out += "# TYPE " + name + " " + to_string(fam.type) + "\n";
    for (auto& [key, s] : fam.by_labels) {
      switch (fam.type) {
        case metric_type::counter:
          out += name + key + " " + std::to_string(s.c->value()) + "\n";
          break;
        case metric_type::gauge: out += name + key + " " + render_value(s.g->value()) + "\n"; break;
        case metric_type::histogram: {
          auto& h = *s.h;
          // Read the count first: observations racing with this render may
          // make a bucket exceed it, so the +Inf bucket takes the larger.
          auto count = h.count();
          uint64_t last = 0;
          for (size_t i = 0; i < h.bounds().size(); ++i) {
            std::pair<std::string, std::string> le{"le", render_value(h.bounds()[i])};
            last = h.cumulative(i);
            out += name + "_bucket" + render_labels(s.ls, &le) + " " + std::to_string(last) + "\n";
          }
          count = std::max(count, last);
          std::pair<std::string, std::string> inf{"le", "+Inf"};
          out += name + "_bucket" + render_labels(s.ls, &inf) + " " + std::to_string(count) + "\n";
          out += name + "_sum" + key + " " + render_value(h.sum()) + "\n";
          out += name + "_count" + key + " " + std::to_string(count) + "\n";
          break;
        }
      }
    }
  }
  return out;
}

} // namespace keel::metrics
