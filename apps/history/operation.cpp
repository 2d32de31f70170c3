// operation: builders, the names of kinds and results, and the one-line
// rendering used in witnesses.

#include "apps/history/operation.hpp"

#include <utility>

#include "apps/history/enum_names.hpp"

namespace keel::history {

operation operation::read(uint32_t p, std::string k, std::optional<std::string> seen, uint64_t t0,
                          uint64_t t1) {
  return {p, op_kind::read, std::move(k), std::move(seen), std::nullopt, op_result::ok, t0, t1};
}

operation operation::write(uint32_t p, std::string k, std::string v, uint64_t t0, uint64_t t1,
                           op_result r) {
  return {p, op_kind::write, std::move(k), std::move(v), std::nullopt, r, t0, t1};
}

operation operation::del(uint32_t p, std::string k, uint64_t t0, uint64_t t1, op_result r) {
  return {p, op_kind::del, std::move(k), std::nullopt, std::nullopt, r, t0, t1};
}

operation operation::cas(uint32_t p, std::string k, std::optional<std::string> expected,
                         std::string next, uint64_t t0, uint64_t t1, op_result r) {
  return {p, op_kind::cas, std::move(k), std::move(next), std::move(expected), r, t0, t1};
}

const char* to_string(op_kind f) {
  switch (f) {
    case op_kind::read: return "read";
    case op_kind::write: return "write";
    case op_kind::cas: return "cas";
    case op_kind::del: break;
  }
  return "delete";
}

const char* to_string(op_result r) {
  switch (r) {
    case op_result::ok: return "ok";
    case op_result::fail: return "fail";
    case op_result::info: break;
  }
  return "info";
}

std::optional<op_kind> op_kind_named(std::string_view name) {
  constexpr op_kind all[] = {op_kind::read, op_kind::write, op_kind::cas, op_kind::del};
  return named(name, all);
}

namespace {

std::string quoted(const std::optional<std::string>& v) {
  return v ? "\"" + *v + "\"" : std::string{"absent"};
}

} // namespace

std::string describe(const operation& op) {
  std::string out = "p" + std::to_string(op.process) + " " + to_string(op.f) + " " + op.key;
  switch (op.f) {
    case op_kind::read: out += " -> " + quoted(op.value); break;
    case op_kind::write: out += " " + quoted(op.value); break;
    case op_kind::cas: out += " " + quoted(op.expected) + " -> " + quoted(op.value); break;
    case op_kind::del: break;
  }
  out += std::string{" "} + to_string(op.result) + " [" + std::to_string(op.invoke) + ", "
         + (op.complete == never ? std::string{"never"} : std::to_string(op.complete)) + "]";
  return out;
}

} // namespace keel::history
