// keelctl's key-value commands: put, get, del and cas. Each runs one operation
// through the client library, prints its answer (text or JSON on stdout), one
// line on stderr when it did not succeed, and returns the contract's exit code.
#pragma once

#include <iosfwd>
#include <string>

#include "apps/keelctl/target.hpp"

namespace keel::keelctl {

/// One key-value command line.
struct kv_command {
  std::string op; // "put", "get", "del" or "cas"
  std::string key;
  std::string value;         // put, cas: the new value
  std::string expected;      // cas: the value the key must hold
  bool absent = false;       // cas --absent: create only if absent
  bool serializable = false; // get --serializable: any replica, possibly stale
};

/// Runs `cmd` against `t`; returns keelctl's exit code.
int run_kv(const target& t, const kv_command& cmd, bool json, std::ostream& out, std::ostream& err);

} // namespace keel::keelctl
