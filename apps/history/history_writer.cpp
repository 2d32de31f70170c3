// history_writer: JSON-lines formatting and the shared writer (see the header).
// Formatting is hand-written rather than built through nlohmann::json: it runs
// twice per operation on the load path, and the fields are few and fixed.

#include "apps/history/history_writer.hpp"

#include <ostream>

namespace keel::history {

namespace {

void append_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += hex[u >> 4];
          out += hex[u & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_optional(std::string& out, const std::optional<std::string_view>& s) {
  if (s)
    append_string(out, *s);
  else
    out += "null";
}

void append_value(std::string& out, const history_value& v) {
  switch (v.form) {
    case history_value::shape::null: out += "null"; return;
    case history_value::shape::single: append_optional(out, v.first); return;
    case history_value::shape::pair:
      out += '[';
      append_optional(out, v.first);
      out += ", ";
      append_string(out, v.second);
      out += ']';
      return;
  }
}

} // namespace

void append_json_line(std::string& out, const history_event& e, uint64_t time_ns) {
  out += "{\"process\": ";
  out += std::to_string(e.process);
  out += ", \"type\": \"";
  out += to_string(e.type);
  out += "\", \"f\": \"";
  out += to_string(e.f);
  out += "\", \"key\": ";
  append_string(out, e.key);
  out += ", \"value\": ";
  append_value(out, e.value);
  out += ", \"time\": ";
  out += std::to_string(time_ns);
  out += "}\n";
}

history_writer::history_writer(std::ostream& out, std::function<uint64_t()> clock,
                               size_t flush_bytes)
  : out_(out),
    clock_(std::move(clock)),
    flush_bytes_(flush_bytes) {
  buffer_.reserve(flush_bytes_ + 512);
}

history_writer::~history_writer() { flush(); }

uint64_t history_writer::record(const history_event& e) {
  std::lock_guard<std::mutex> guard{mu_};
  uint64_t now = clock_();
  append_json_line(buffer_, e, now);
  ++events_;
  if (buffer_.size() >= flush_bytes_)
    write_out();
  return now;
}

void history_writer::flush() {
  std::lock_guard<std::mutex> guard{mu_};
  write_out();
  out_.flush();
}

uint64_t history_writer::events() const {
  std::lock_guard<std::mutex> guard{mu_};
  return events_;
}

bool history_writer::good() const {
  std::lock_guard<std::mutex> guard{mu_};
  return out_.good();
}

void history_writer::write_out() {
  out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_.clear();
}

} // namespace keel::history
