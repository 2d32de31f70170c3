// Errors as values for the Raft core (style guide §8): every expected failure
// of a call into raft::node or raft::log_storage comes back as a result<T>
// carrying an errc, never as an exception. Broken invariants are not errors:
// they crash (see invariant.hpp).
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "actors/replication/core/invariant.hpp"

namespace keel::raft {

/// Why a call into the Raft core did not do what was asked.
enum class errc {
  not_leader,        ///< only the leader may do this; error::leader_hint names it if known
  proposal_dropped,  ///< the leader is handing over leadership (thesis §3.10); retry soon
  unknown_peer,      ///< the node id is not a voter of this group
  compacted,         ///< log_storage: the index lies before the first retained entry (§7)
  unavailable,       ///< log_storage: the index lies after the last entry
  snapshot_out_of_date,              ///< log_storage: a newer snapshot is already stored
  snapshot_temporarily_unavailable,  ///< log_storage: no snapshot can be had now; retry later
  invalid_message,   ///< node::step: a peer's message no correct node sends; error::detail says why
};

/// A short stable name for `code`, for logs and error messages.
const char* to_string(errc code);

/// An errc plus what the caller needs to act on it.
struct error {
  error(errc c, std::string hint = {}, std::string why = {})
    : code(c), leader_hint(std::move(hint)), detail(std::move(why)) {}

  errc code;
  std::string leader_hint;  // errc::not_leader only: the leader's id, empty if unknown
  std::string detail;       // errc::invalid_message only: the broken rule, e.g. "term_overflow"
};

/// Either a T or an error. Reading the value of an error crashes.
template <class T>
class [[nodiscard]] result {
public:
  result(T value) : v_(std::move(value)) {}
  result(error err) : v_(std::move(err)) {}
  result(errc code) : v_(error{code}) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  const T& value() const& {
    check_ok();
    return std::get<0>(v_);
  }
  T& value() & {
    check_ok();
    return std::get<0>(v_);
  }
  T&& value() && {
    check_ok();
    return std::get<0>(std::move(v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  /// REQUIRES: !ok().
  const error& err() const {
    KEEL_RAFT_INVARIANT(!ok(), "result holds a value, not an error");
    return std::get<1>(v_);
  }
  /// REQUIRES: !ok().
  errc code() const { return err().code; }

private:
  void check_ok() const { KEEL_RAFT_INVARIANT(ok(), "reading the value of an error result"); }

  std::variant<T, error> v_;
};

/// A result that carries no value: success or an error.
template <>
class [[nodiscard]] result<void> {
public:
  result() = default;
  result(error err) : err_(std::move(err)), ok_(false) {}
  result(errc code) : err_{code}, ok_(false) {}

  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  /// REQUIRES: !ok().
  const error& err() const {
    KEEL_RAFT_INVARIANT(!ok_, "result holds success, not an error");
    return err_;
  }
  /// REQUIRES: !ok().
  errc code() const { return err().code; }

private:
  error err_{errc::not_leader};  // meaningful only when !ok_
  bool ok_ = true;
};

} // namespace keel::raft
