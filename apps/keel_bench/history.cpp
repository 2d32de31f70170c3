// history: client outcomes as completion events (see the header).

#include "apps/keel_bench/history.hpp"

namespace keel::bench {

event_type completion_of(op_kind f, client::outcome o) {
  using client::outcome;
  switch (o) {
    case outcome::ok: return event_type::ok;
    case outcome::not_found:
      // An absent key is a definite answer for a read and a no-op for a
      // delete; a cas that found nothing did not apply.
      return f == op_kind::cas ? event_type::fail : event_type::ok;
    case outcome::cas_mismatch:
    case outcome::invalid:
    case outcome::unavailable: return event_type::fail;
    case outcome::unknown: break;
  }
  return event_type::info;
}

} // namespace keel::bench
