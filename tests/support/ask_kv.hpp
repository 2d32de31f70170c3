// One kv request to an actor under CAF's deterministic test coordinator:
// sends it from the fixture's scoped actor, then runs the coordinator and
// advances virtual time 10 ms a round until the answer arrives or `rounds`
// rounds pass. Self-contained (it includes what it names), so that include
// order does not matter: clang-format sorts includes.
#pragma once

#include <chrono>

#include "caf/after.hpp"

#include "messages/kv.pb.h"
#include "messages/pb.hpp"
#include "messages/type_ids.hpp"

namespace keel::testing {

/// The answer, or an empty response and a test failure if none came.
template <class Self, class Coordinator, class Handle>
kv::Response ask_kv(Self& self, Coordinator& sched, const Handle& to, kv::Request req, int rounds) {
  self->send(to, kv_atom_v, make_pb(std::move(req)));
  kv::Response out;
  bool answered = false;
  for (int i = 0; i < rounds && !answered; ++i) {
    sched.run();
    self->receive([&](pb<kv::Response>& r) { out = r.msg, answered = true; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    if (!answered)
      sched.advance_time(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(answered) << "no answer within " << rounds << " rounds";
  return out;
}

} // namespace keel::testing
