// history_reader: nlohmann::json per line; the fields and their shapes are
// those of docs/contract.md "Operation histories".

#include "apps/history/history_reader.hpp"

#include <istream>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "apps/history/event.hpp"

namespace keel::history {

namespace {

using json = nlohmann::json;

struct bad_line : std::runtime_error {
  using std::runtime_error::runtime_error;
};

op_kind kind_of(const std::string& f) {
  if (auto kind = op_kind_named(f))
    return *kind;
  throw bad_line{"unknown \"f\" \"" + f + "\" (read, write, cas or delete)"};
}

event_type type_of(const std::string& t) {
  if (auto type = event_type_named(t))
    return *type;
  throw bad_line{"unknown \"type\" \"" + t + "\" (invoke, ok, fail or info)"};
}

const json& field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end())
    throw bad_line{std::string{"no \""} + name + "\" field"};
  return *it;
}

std::optional<std::string> string_or_null(const json& v, const char* what) {
  if (v.is_null())
    return std::nullopt;
  if (!v.is_string())
    throw bad_line{std::string{what} + " must be a string or null"};
  return v.get<std::string>();
}

/// Fills the invoke's side of `op` from the event's value.
void take_invoke_value(operation& op, const json& v) {
  switch (op.f) {
    case op_kind::write:
      if (!v.is_string())
        throw bad_line{"a write's value must be a string"};
      op.value = v.get<std::string>();
      break;
    case op_kind::cas:
      if (!v.is_array() || v.size() != 2 || !v[1].is_string())
        throw bad_line{"a cas's value must be [expected or null, new]"};
      op.expected = string_or_null(v[0], "a cas's expected value");
      op.value = v[1].get<std::string>();
      break;
    case op_kind::read:
    case op_kind::del: break;
  }
}

} // namespace

read_result read_history(std::istream& in) {
  read_result out;
  std::map<uint32_t, operation> open; // per process: its invoked operation
  std::string line;
  size_t number = 0;
  try {
    while (std::getline(in, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos)
        continue;
      json j = json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object())
        throw bad_line{"not a JSON object"};
      const json& p = field(j, "process");
      const json& t = field(j, "time");
      const json& type = field(j, "type");
      const json& key = field(j, "key");
      if (!p.is_number_unsigned() || !t.is_number_unsigned())
        throw bad_line{"\"process\" and \"time\" must be non-negative integers"};
      if (!type.is_string() || !key.is_string() || !field(j, "f").is_string())
        throw bad_line{"\"type\", \"f\" and \"key\" must be strings"};
      auto process = p.get<uint32_t>();
      auto time = t.get<uint64_t>();
      op_kind f = kind_of(field(j, "f").get<std::string>());
      const json value = j.value("value", json{});
      event_type ty = type_of(type.get<std::string>());
      if (ty == event_type::invoke) {
        if (open.count(process))
          throw bad_line{"process " + std::to_string(process)
                         + " invokes again before its last operation completed"};
        operation op;
        op.process = process;
        op.f = f;
        op.key = key.get<std::string>();
        op.invoke = time;
        take_invoke_value(op, value);
        open.emplace(process, std::move(op));
        continue;
      }
      auto it = open.find(process);
      if (it == open.end())
        throw bad_line{"a completion of process " + std::to_string(process) + " without an invoke"};
      operation op = std::move(it->second);
      open.erase(it);
      if (op.f != f || op.key != key.get<std::string>())
        throw bad_line{"the completion's f or key differs from its invoke's"};
      if (time < op.invoke)
        throw bad_line{"completes before its invoke"};
      op.result = *result_of(ty);
      op.complete = op.result == op_result::info ? never : time;
      if (op.result == op_result::ok && f == op_kind::read)
        op.value = string_or_null(value, "a read's value");
      out.ops.push_back(std::move(op));
    }
  } catch (const bad_line& e) {
    out.error = "history line " + std::to_string(number) + ": " + e.what();
    return out;
  } catch (const json::exception& e) {
    out.error = "history line " + std::to_string(number) + ": " + e.what();
    return out;
  }
  for (auto& [process, op] : open) {
    op.result = op_result::info;
    op.complete = never;
    out.ops.push_back(std::move(op));
  }
  return out;
}

} // namespace keel::history
