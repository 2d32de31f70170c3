#include "apps/keelctl/admin_answers.hpp"

namespace keel::keelctl {

std::string detail_of(const std::string& error, const client::endpoint& ep) {
  for (const auto& prefix : {ep.name() + " " + ep.address() + ": ", ep.name() + ": "})
    if (error.rfind(prefix, 0) == 0)
      return error.substr(prefix.size());
  return error;
}

std::string heading(const client::endpoint& ep) {
  return ep.node_id.empty() ? ep.address() : ep.node_id + " (" + ep.address() + ")";
}

int none_answered(const admin_io& io, const std::string& what,
                  const std::vector<std::string>& errors, bool maybe_sent) {
  std::string joined;
  for (const auto& e : errors)
    joined += (joined.empty() ? "" : ", ") + e;
  if (!maybe_sent)
    return fail(io.err, exit_unavailable,
                what + ": cannot reach any node (" + joined
                  + "): is the cluster up? try 'keelctl cluster up'");
  return fail(io.err, exit_unknown,
              what + ": no node answered (" + joined + "): see 'keelctl cluster status'");
}

} // namespace keel::keelctl
