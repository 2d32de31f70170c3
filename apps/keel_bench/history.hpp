// history: how keel-bench records its operations in the history of
// docs/contract.md. The format (operation kinds, events, the writer) is
// apps/history's, the one definition the checker reads back; what is
// keel-bench's own is how a client outcome becomes a completion event.
#pragma once

#include "actors/client/core/outcome.hpp"
#include "apps/history/event.hpp"
#include "apps/history/history_writer.hpp"

namespace keel::bench {

using history::event_type;
using history::history_event;
using history::history_value;
using history::history_writer;
using history::op_kind;

/// The completion type of an operation that ended with `o`, seen as an
/// operation on a register that starts absent: a read of an absent key and a
/// delete of an absent key are ok (the register is, and stays, absent); a cas
/// that found another value or no value definitely did not apply (fail);
/// invalid and unavailable are fail; unknown is info.
event_type completion_of(op_kind f, client::outcome o);

} // namespace keel::bench
