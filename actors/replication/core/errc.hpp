// Errors as values for the Raft core (style guide §8): every expected failure
// of a call into raft::node or raft::log_storage comes back as a result<T>
// carrying an errc, never as an exception. Broken invariants are not errors:
// they crash (KEEL_ASSERT).
#pragma once

#include <string>
#include <utility>

#include "actors/base/core/errors.hpp"

namespace keel::raft {

/// Why a call into the Raft core did not do what was asked.
enum class errc {
  not_leader,           ///< only the leader may do this; error::leader_hint names it if known
  proposal_dropped,     ///< the leader is handing over leadership (thesis §3.10); retry soon
  uncommitted_limit,    ///< the leader holds max_uncommitted_bytes not yet committed; retry later
  unknown_peer,         ///< the node id is not a voter of this group
  compacted,            ///< log_storage: the index lies before the first retained entry (§7)
  unavailable,          ///< log_storage: the index lies after the last entry
  snapshot_out_of_date, ///< log_storage: a newer snapshot is already stored
  snapshot_temporarily_unavailable, ///< log_storage: no snapshot can be had now; retry later
  invalid_message, ///< node::step: a peer's message no correct node sends; error::detail says why
  invalid_config,  ///< validate(config): the settings cannot run a node; error::detail says why
};

/// A short stable name for `code`, for logs and error messages.
const char* to_string(errc code);

/// An errc plus what the caller needs to act on it.
struct error {
  error(errc c, std::string hint = {}, std::string why = {})
    : code(c),
      leader_hint(std::move(hint)),
      detail(std::move(why)) {}

  errc code;
  std::string leader_hint; // errc::not_leader only: the leader's id, empty if unknown
  std::string detail;      // errc::invalid_message: the broken rule, e.g. "term_overflow";
                           // errc::invalid_config: the setting and what it must be
};

/// Either a T or an error: keel::result (actors/base/core/errors.hpp) with the
/// Raft core's error, plus the names its callers use (err(), code()) and a
/// bare errc as an error. Reading the missing side aborts.
template <class T>
class [[nodiscard]] result : public keel::result<T, raft::error> {
  using base = keel::result<T, raft::error>;

public:
  result(T value)
    : base(std::move(value)) {}
  result(raft::error err)
    : base(keel::fail(std::move(err))) {}
  result(errc code)
    : base(keel::fail(raft::error{code})) {}

  /// REQUIRES: !ok().
  const raft::error& err() const { return base::error(); }
  /// REQUIRES: !ok().
  errc code() const { return err().code; }
};

/// A result that carries no value: success or an error.
template <>
class [[nodiscard]] result<void> : public keel::result<void, raft::error> {
  using base = keel::result<void, raft::error>;

public:
  result() = default;
  result(raft::error err)
    : base(keel::fail(std::move(err))) {}
  result(errc code)
    : base(keel::fail(raft::error{code})) {}

  /// REQUIRES: !ok().
  const raft::error& err() const { return base::error(); }
  /// REQUIRES: !ok().
  errc code() const { return err().code; }
};

} // namespace keel::raft
