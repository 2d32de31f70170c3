#include "actors/metrics/core/exposition.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace keel::metrics {

namespace {

using parsed = result<std::vector<family>, parse_error>;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::optional<double> parse_number(std::string_view s) {
  if (s == "+Inf" || s == "Inf")
    return std::numeric_limits<double>::infinity();
  if (s == "-Inf")
    return -std::numeric_limits<double>::infinity();
  if (s == "NaN")
    return std::numeric_limits<double>::quiet_NaN();
  if (!s.empty() && s[0] == '+')
    s.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty())
    return std::nullopt;
  return v;
}

size_t name_end(std::string_view s, bool label) {
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':')
              || (i > 0 && c >= '0' && c <= '9');
    if (!ok)
      break;
    ++i;
  }
  return i;
}

// `{a="x",b="y"}` at the start of s: the labels, and how much was read.
std::optional<std::string> parse_labels(std::string_view& s, labels& out) {
  s.remove_prefix(1); // '{'
  std::set<std::string> seen;
  while (true) {
    if (!s.empty() && s[0] == '}') {
      s.remove_prefix(1);
      return std::nullopt;
    }
    auto n = name_end(s, true);
    if (n == 0)
      return "a label name was expected";
    std::string key(s.substr(0, n));
    s.remove_prefix(n);
    if (!seen.insert(key).second)
      return "label '" + key + "' appears twice";
    if (s.size() < 2 || s[0] != '=' || s[1] != '"')
      return "label '" + key + "' needs =\"value\"";
    s.remove_prefix(2);
    std::string value;
    bool closed = false;
    while (!s.empty()) {
      char c = s[0];
      s.remove_prefix(1);
      if (c == '"') {
        closed = true;
        break;
      }
      if (c == '\\') {
        if (s.empty())
          return "a label value ends in a lone backslash";
        char e = s[0];
        s.remove_prefix(1);
        if (e == 'n')
          value += '\n';
        else if (e == '\\' || e == '"')
          value += e;
        else
          return std::string("unknown escape \\") + e + " in a label value";
      } else if (c == '\n') {
        return "a label value spans lines";
      } else {
        value += c;
      }
    }
    if (!closed)
      return "label '" + key + "' has an unterminated value";
    out.emplace_back(std::move(key), std::move(value));
    if (!s.empty() && s[0] == ',')
      s.remove_prefix(1);
    else if (s.empty() || s[0] != '}')
      return "',' or '}' expected after label '" + out.back().first + "'";
  }
}

// # HELP text: \\ and \n are its only escapes; any other backslash stays.
std::string unescape_help(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '\\' || s[i + 1] == 'n')) {
      out += s[i + 1] == 'n' ? '\n' : '\\';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<metric_type> type_named(std::string_view t) {
  if (t == "counter")
    return metric_type::counter;
  if (t == "gauge")
    return metric_type::gauge;
  if (t == "histogram")
    return metric_type::histogram;
  return std::nullopt;
}

// The family a sample name belongs to, given the declared families.
std::string family_of(const std::string& name, const std::map<std::string, size_t>& declared,
                      const std::set<std::string>& typed, const std::vector<family>& fams) {
  if (typed.count(name))
    return name;
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size()
        && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      auto base = name.substr(0, name.size() - suffix.size());
      auto it = declared.find(base);
      if (it != declared.end() && typed.count(base)
          && fams[it->second].type == metric_type::histogram)
        return base;
    }
  }
  return {};
}

std::string without(const labels& ls, const std::string& key) {
  labels rest;
  for (auto& kv : ls)
    if (kv.first != key)
      rest.push_back(kv);
  std::sort(rest.begin(), rest.end());
  return render_labels(rest);
}

// Each series of a histogram: buckets non-decreasing as `le` grows, a +Inf
// bucket, and _count equal to it.
std::optional<std::string> check_histogram(const family& f) {
  struct series {
    std::vector<std::pair<double, double>> buckets; // le, count
    std::optional<double> count;
    bool sum = false;
  };
  std::map<std::string, series> by;
  for (auto& s : f.samples) {
    if (s.name == f.name + "_bucket") {
      auto le = std::find_if(s.ls.begin(), s.ls.end(), [](auto& kv) { return kv.first == "le"; });
      if (le == s.ls.end())
        return "bucket of " + f.name + " without an 'le' label";
      auto bound = parse_number(le->second);
      if (!bound || std::isnan(*bound))
        return "bucket of " + f.name + " with le=\"" + le->second + "\", not a number";
      by[without(s.ls, "le")].buckets.emplace_back(*bound, s.value);
    } else if (s.name == f.name + "_count") {
      by[without(s.ls, "")].count = s.value;
    } else if (s.name == f.name + "_sum") {
      by[without(s.ls, "")].sum = true;
    } else {
      return "sample " + s.name + " in histogram " + f.name;
    }
  }
  for (auto& [key, s] : by) {
    auto where = f.name + key;
    if (s.buckets.empty() || !s.count || !s.sum)
      return "histogram " + where + " needs buckets, _sum and _count";
    std::sort(s.buckets.begin(), s.buckets.end());
    for (size_t i = 1; i < s.buckets.size(); ++i) {
      if (s.buckets[i].first == s.buckets[i - 1].first)
        return "histogram " + where + " has two buckets le=" + render_value(s.buckets[i].first);
      if (s.buckets[i].second < s.buckets[i - 1].second)
        return "histogram " + where
               + " is not cumulative at le=" + render_value(s.buckets[i].first);
    }
    if (!std::isinf(s.buckets.back().first))
      return "histogram " + where + " has no +Inf bucket";
    if (s.buckets.back().second != *s.count)
      return "histogram " + where + ": the +Inf bucket differs from _count";
  }
  return std::nullopt;
}

} // namespace

result<std::vector<family>, parse_error> parse_exposition(std::string_view text) {
  std::vector<family> fams;
  std::map<std::string, size_t> declared;
  std::set<std::string> typed, helped, series_seen;
  size_t line_no = 0;
  auto err = [&line_no](std::string what) { return fail(parse_error{line_no, std::move(what)}); };
  if (!text.empty() && text.back() != '\n')
    return fail(parse_error{0, "the text does not end in a line feed"});
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (line.empty())
      continue;
    if (line[0] == '#') {
      bool help = starts_with(line, "# HELP ");
      bool type = starts_with(line, "# TYPE ");
      if (!help && !type)
        continue; // a comment
      auto rest = line.substr(7);
      auto n = name_end(rest, false);
      if (n == 0)
        return err("a metric name was expected after # " + std::string(help ? "HELP" : "TYPE"));
      std::string name(rest.substr(0, n));
      rest.remove_prefix(n);
      if (!rest.empty() && rest[0] != ' ')
        return err("invalid character in metric name '" + name + "'");
      if (!rest.empty())
        rest.remove_prefix(1);
      auto it = declared.find(name);
      if (type) {
        auto t = type_named(rest);
        if (!t)
          return err("unknown type '" + std::string(rest) + "' of " + name);
        if (!typed.insert(name).second)
          return err("# TYPE of " + name + " given twice");
        if (it == declared.end()) {
          declared.emplace(name, fams.size());
          fams.push_back(family{name, *t, {}, {}});
        } else {
          fams[it->second].type = *t;
        }
      } else {
        if (!helped.insert(name).second)
          return err("# HELP of " + name + " given twice");
        if (it == declared.end()) {
          // Typed by the # TYPE line that must still come before its samples.
          declared.emplace(name, fams.size());
          fams.push_back(family{name, metric_type::gauge, unescape_help(rest), {}});
        } else {
          fams[it->second].help = unescape_help(rest);
        }
      }
      continue;
    }
    auto n = name_end(line, false);
    if (n == 0)
      return err("a line must start with a metric name or '#'");
    sample s;
    s.name = std::string(line.substr(0, n));
    line.remove_prefix(n);
    if (!line.empty() && line[0] == '{') {
      if (auto bad = parse_labels(line, s.ls))
        return err(*bad + " in " + s.name);
    }
    if (line.empty() || line[0] != ' ')
      return err("a space and a value must follow " + s.name);
    line.remove_prefix(1);
    auto sp = line.find(' ');
    auto value = parse_number(line.substr(0, sp));
    if (!value)
      return err("value '" + std::string(line.substr(0, sp)) + "' of " + s.name
                 + " is not a number");
    if (sp != std::string_view::npos) {
      long long ts = 0;
      auto stamp = line.substr(sp + 1);
      auto [end, ec] = std::from_chars(stamp.data(), stamp.data() + stamp.size(), ts);
      if (ec != std::errc{} || end != stamp.data() + stamp.size())
        return err("trailing text after the value of " + s.name);
    }
    s.value = *value;
    auto fname = family_of(s.name, declared, typed, fams);
    if (fname.empty())
      return err("sample " + s.name + " has no # TYPE before it");
    auto& fam = fams[declared[fname]];
    if (fam.type == metric_type::counter && (std::isnan(s.value) || s.value < 0))
      return err("counter " + s.name + " is negative or NaN");
    auto key = s.name + without(s.ls, "");
    if (!series_seen.insert(key).second)
      return err("series " + key + " appears twice");
    fam.samples.push_back(std::move(s));
  }
  for (auto& f : fams)
    if (f.type == metric_type::histogram)
      if (auto bad = check_histogram(f))
        return fail(parse_error{0, *bad});
  return fams;
}

namespace {

bool matches(const sample& s, const labels& match) {
  return std::all_of(match.begin(), match.end(), [&s](auto& kv) {
    return std::find(s.ls.begin(), s.ls.end(), kv) != s.ls.end();
  });
}

} // namespace

std::optional<double> find_value(const std::vector<family>& fams, const std::string& name,
                                 const labels& match) {
  for (auto& f : fams)
    for (auto& s : f.samples)
      if (s.name == name && matches(s, match))
        return s.value;
  return std::nullopt;
}

double sum_values(const std::vector<family>& fams, const std::string& name, const labels& match) {
  double total = 0;
  for (auto& f : fams)
    for (auto& s : f.samples)
      if (s.name == name && matches(s, match))
        total += s.value;
  return total;
}

std::string render_exposition(const std::vector<family>& fams) {
  std::string out;
  for (const auto& f : fams) {
    if (!f.help.empty()) {
      out += "# HELP " + f.name + " ";
      for (char c : f.help)
        out += c == '\n' ? std::string("\\n") : c == '\\' ? std::string("\\\\") : std::string(1, c);
      out += "\n";
    }
    out += "# TYPE " + f.name + " " + to_string(f.type) + "\n";
    for (const auto& s : f.samples)
      out += s.name + render_labels(s.ls) + " " + render_value(s.value) + "\n";
  }
  return out;
}

std::vector<family>
merge_labelled(const std::vector<std::pair<std::string, std::vector<family>>>& sources,
               const std::string& label) {
  std::vector<family> merged;
  std::map<std::string, size_t> at;
  for (const auto& [source, fams] : sources) {
    for (const auto& f : fams) {
      auto [it, fresh] = at.try_emplace(f.name, merged.size());
      if (fresh)
        merged.push_back(family{f.name, f.type, f.help, {}});
      auto& into = merged[it->second];
      if (into.type != f.type)
        continue; // one name, two types: the text could not say both
      for (auto s : f.samples) {
        s.ls.insert(s.ls.begin(), {label, source});
        into.samples.push_back(std::move(s));
      }
    }
  }
  return merged;
}

} // namespace keel::metrics
