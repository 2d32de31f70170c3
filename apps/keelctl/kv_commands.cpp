#include "apps/keelctl/kv_commands.hpp"

#include <ostream>

#include "apps/keelctl/report.hpp"

namespace keel::keelctl {

namespace {

client::result execute(client::session& s, const kv_command& cmd) {
  if (cmd.op == "put")
    return s.put(cmd.key, cmd.value);
  if (cmd.op == "get")
    return s.get(cmd.key, cmd.serializable ? client::read_consistency::serializable
                                           : client::read_consistency::linearizable);
  if (cmd.op == "del")
    return s.del(cmd.key);
  if (cmd.absent)
    return s.cas_absent(cmd.key, cmd.value);
  return s.cas(cmd.key, cmd.expected, cmd.value);
}

// Says what the answer means and what to do, for every outcome but ok.
std::string explain(const kv_command& cmd, const client::result& r) {
  using client::outcome;
  auto what = cmd.op + " " + printable(cmd.key) + ": ";
  switch (r.outcome) {
    case outcome::ok: return {};
    case outcome::not_found: return what + "no such key";
    case outcome::cas_mismatch:
      if (cmd.absent)
        return what + "the key exists" + (r.value ? " (value " + printable(*r.value) + ")" : "");
      return what + "the key holds another value"
             + (r.value ? " (" + printable(*r.value) + ")" : "");
    case outcome::invalid:
      return what + "rejected by " + r.node + ": " + r.error
             + ": check KEY and VALUE against [limits] in cluster.conf";
    case outcome::unavailable:
      if (!r.contacted)
        return what + r.error + ": is the cluster up? try 'keelctl cluster up'";
      if (!r.unknown_leader.empty())
        return what + "not applied: " + r.error + ": node " + r.unknown_leader
               + " leads the shard but is not among the endpoints; list every node in "
                 "--endpoints, or use --config";
      return what + "not applied: " + r.error
             + ": the shard may be electing a leader; retry, or see 'keelctl status'";
    case outcome::unknown:
      if (cmd.op == "get")
        return what + r.error + ": retry, or see 'keelctl status'";
      return what + "outcome unknown: " + r.error
             + ": the write may still take effect; read the key to find out";
  }
  return what + r.error;
}

nlohmann::json to_json(const kv_command& cmd, const client::result& r) {
  nlohmann::json j;
  j["op"] = cmd.op;
  j["key"] = cmd.key;
  j["outcome"] = std::string{client::to_string(r.outcome)};
  j["ok"] = r.ok();
  if (cmd.op == "get")
    j["consistency"] = cmd.serializable ? "serializable" : "linearizable";
  if (cmd.op == "get" || r.outcome == client::outcome::cas_mismatch)
    j["value"] = r.value ? nlohmann::json(*r.value) : nlohmann::json(nullptr);
  if (!r.node.empty())
    j["node"] = r.node;
  if (r.index > 0)
    j["index"] = r.index;
  if (!r.ok())
    j["error"] = r.error;
  return j;
}

} // namespace

int run_kv(const target& t, const kv_command& cmd, bool json, std::ostream& out,
           std::ostream& err) {
  bool has_value = cmd.op == "put" || cmd.op == "cas";
  if (auto checked = check_input(t, cmd.key, has_value ? &cmd.value : nullptr); !checked)
    return fail(err, exit_usage, cmd.op + ": " + checked.error().detail);
  client::result r;
  {
    client::runtime rt{t.transport};
    client::session s{rt, t.options};
    r = execute(s, cmd);
  }
  if (json)
    out << json_text(to_json(cmd, r)) << std::endl;
  else if (r.ok())
    out << (cmd.op == "get" ? r.value.value_or("") : std::string{"OK"}) << std::endl;
  if (!r.ok())
    return fail(err, exit_code_of(r.outcome), explain(cmd, r));
  return exit_done;
}

} // namespace keel::keelctl
