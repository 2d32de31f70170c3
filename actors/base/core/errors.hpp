// Keel's one error and assertion discipline (docs/design.md, "Errors and
// assertions"), lowest in the stack so that every layer can use it: pure, no
// CAF, no spdlog, header-only (the fuzz harnesses compile cores without
// keel_core).
//
//  - KEEL_ASSERT(cond, msg): an internal invariant. A broken one means the code
//    or its durable state is wrong, and continuing could lose acknowledged data,
//    so the process stops at once with file:line, even in Release (assert()
//    compiles to nothing there), and its supervisor restarts it from disk.
//  - result<T, E>: an expected failure (bad input, a peer's refusal, a full
//    disk) as a value; E is the layer's own error enum (or a struct around it).
//    [[nodiscard]]: a result must be looked at; (void) on one is not allowed.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace keel::detail {

/// Prints where and what broke to stderr, then aborts (a core dump, and an exit
/// status a supervisor or a test harness sees).
[[noreturn]] inline void assert_failed(const char* file, int line, const char* condition,
                                       const char* what) noexcept {
  std::fprintf(stderr, "%s:%d: KEEL_ASSERT(%s) failed: %s\n", file, line, condition,
               what ? what : "");
  std::fflush(stderr);
  std::abort();
}

} // namespace keel::detail

/// Aborts with `what` (a const char*) unless `condition` holds; always on.
#define KEEL_ASSERT(condition, what)                                                               \
  do {                                                                                             \
    if (!(condition)) [[unlikely]]                                                                 \
      ::keel::detail::assert_failed(__FILE__, __LINE__, #condition, (what));                       \
  } while (false)

namespace keel {

/// The error side of a result, spelled out where T and E could be confused:
/// `return fail(errc::corrupt);`.
template <class E>
struct failure {
  E error;
};

template <class E>
failure<std::decay_t<E>> fail(E&& e) {
  return {std::forward<E>(e)};
}

/// Either a T or an E (C++23's std::expected, which C++20 lacks). Reading the
/// side that is not there is a broken invariant: it aborts.
template <class T, class E>
class [[nodiscard]] result {
  static_assert(!std::is_same_v<T, E>, "a result needs distinct value and error types");

public:
  result(T value)
    : v_(std::in_place_index<0>, std::move(value)) {}
  result(failure<E> f)
    : v_(std::in_place_index<1>, std::move(f.error)) {}
  /// An error is a result without fail() when it cannot be taken for a value.
  result(E e) requires(!std::is_convertible_v<E, T>)
    : v_(std::in_place_index<1>, std::move(e)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  const T& value() const& {
    KEEL_ASSERT(ok(), "reading the value of an error result");
    return *std::get_if<0>(&v_);
  }
  T& value() & {
    KEEL_ASSERT(ok(), "reading the value of an error result");
    return *std::get_if<0>(&v_);
  }
  T&& value() && {
    KEEL_ASSERT(ok(), "reading the value of an error result");
    return std::move(*std::get_if<0>(&v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  template <class U>
  T value_or(U&& fallback) const& {
    return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

  const E& error() const& {
    KEEL_ASSERT(!ok(), "reading the error of a result that holds a value");
    return *std::get_if<1>(&v_);
  }
  E&& error() && {
    KEEL_ASSERT(!ok(), "reading the error of a result that holds a value");
    return std::move(*std::get_if<1>(&v_));
  }

private:
  std::variant<T, E> v_;
};

/// Success without a value (`return {};`), or an E.
template <class E>
class [[nodiscard]] result<void, E> {
public:
  result() = default;
  result(failure<E> f)
    : err_(std::move(f.error)) {}
  result(E e)
    : err_(std::move(e)) {}

  bool ok() const noexcept { return !err_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }

  const E& error() const& {
    KEEL_ASSERT(!ok(), "reading the error of a result that holds success");
    return *err_;
  }

private:
  std::optional<E> err_;
};

} // namespace keel
