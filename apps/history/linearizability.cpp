// linearizability: the per-key driver around register_search and witness.

#include "apps/history/linearizability.hpp"

#include <map>

#include "apps/history/register_search.hpp"
#include "apps/history/witness.hpp"

namespace keel::history {

const char* to_string(verdict v) {
  switch (v) {
    case verdict::linearizable: return "linearizable";
    case verdict::violation: return "violation";
    case verdict::unknown: return "unknown";
    case verdict::invalid: break;
  }
  return "invalid";
}

namespace {

int severity(verdict v) {
  switch (v) {
    case verdict::linearizable: return 0;
    case verdict::unknown: return 1;
    case verdict::violation: return 2;
    case verdict::invalid: break;
  }
  return 3;
}

/// Empty if `op` is well formed, otherwise why not.
std::string malformed(const operation& op) {
  if (op.result != op_result::info && op.complete < op.invoke)
    return "completes before it is invoked";
  if (op.f == op_kind::write && !op.value)
    return "a write without a value";
  if (op.f == op_kind::cas && !op.value)
    return "a cas without a new value";
  return {};
}

} // namespace

key_verdict check_key(std::span<const operation> ops, const check_options& opts) {
  key_verdict out;
  if (!ops.empty())
    out.key = ops.front().key;
  std::vector<detail::reg_op> prepared = detail::prepare(ops);
  out.operations = prepared.size();
  detail::search_outcome r = detail::search(prepared, opts.max_states);
  out.v = r.v;
  out.states = r.states;
  if (r.v != verdict::violation)
    return out;
  std::vector<detail::reg_op> witness
    = opts.minimize_witness ? detail::shrink(std::move(prepared), opts) : std::move(prepared);
  for (const detail::reg_op& o : witness)
    out.witness.push_back(ops[o.source]);
  return out;
}

check_result check_history(std::span<const operation> ops, const check_options& opts) {
  check_result out;
  std::map<std::string, std::vector<operation>> by_key;
  for (const operation& op : ops) {
    if (std::string why = malformed(op); !why.empty()) {
      out.v = verdict::invalid;
      out.error = "malformed operation (" + why + "): " + describe(op);
      return out;
    }
    by_key[op.key].push_back(op);
  }
  out.keys = by_key.size();
  for (const auto& [key, key_ops] : by_key) {
    key_verdict k = check_key(key_ops, opts);
    out.operations += k.operations;
    out.states += k.states;
    if (severity(k.v) > severity(out.v))
      out.v = k.v;
    if (k.v != verdict::linearizable)
      out.bad_keys.push_back(std::move(k));
  }
  return out;
}

std::string explain(const check_result& r) {
  std::string out = std::string{to_string(r.v)} + ": " + std::to_string(r.keys) + " keys, "
                    + std::to_string(r.operations) + " operations, " + std::to_string(r.states)
                    + " search steps\n";
  if (r.v == verdict::invalid)
    return out + r.error + "\n";
  for (const key_verdict& k : r.bad_keys) {
    out += "key " + k.key + ": " + to_string(k.v);
    if (k.v == verdict::unknown) {
      out += " (search gave up after " + std::to_string(k.states) + " steps)\n";
      continue;
    }
    out += "; these " + std::to_string(k.witness.size())
           + " operations cannot be linearized together:\n";
    for (const operation& op : k.witness)
      out += "  " + describe(op) + "\n";
  }
  return out;
}

} // namespace keel::history
