// CAF's deterministic test DSL (test_coordinator_fixture, expect, sched.run(),
// advance_time()) inside GoogleTest. CAF's check macros normally report to its
// own test engine; here they report to GoogleTest. Include this header instead
// of caf/test/dsl.hpp. Exactly one TU of a test binary includes
// caf/test/unit_test_impl.hpp with CAF_TEST_NO_MAIN (tests/actor/caf_test_main.cpp).
#pragma once

#include <cstdlib>
#include <iostream>
#include <sstream>

#include <gtest/gtest.h>

#include "caf/test/unit_test.hpp"

#undef CAF_MESSAGE
#undef CAF_CHECK
#undef CAF_CHECK_FUNC
#undef CAF_ERROR
#undef CAF_FAIL
#undef CAF_REQUIRE
#undef CAF_REQUIRE_FUNC
#define CAF_MESSAGE(msg)                                                                           \
  do {                                                                                             \
  } while (false)
#define CAF_CHECK(...) EXPECT_TRUE(static_cast<bool>(__VA_ARGS__)) << #__VA_ARGS__
#define CAF_CHECK_FUNC(f, x, y) EXPECT_TRUE(f{}(x, y)) << #f "(" #x ", " #y ")"
#define CAF_ERROR(msg)                                                                             \
  do {                                                                                             \
    std::ostringstream o_;                                                                         \
    o_ << msg;                                                                                     \
    ADD_FAILURE() << o_.str();                                                                     \
  } while (false)
// Must not throw: expect_clause's destructor would then dereference null.
#define CAF_FAIL(msg)                                                                              \
  do {                                                                                             \
    std::ostringstream o_;                                                                         \
    o_ << msg;                                                                                     \
    ADD_FAILURE() << o_.str();                                                                     \
    std::cerr << "CAF requirement failed: " << o_.str() << std::endl;                              \
    std::abort();                                                                                  \
  } while (false)
#define CAF_REQUIRE(...)                                                                           \
  do {                                                                                             \
    if (!static_cast<bool>(__VA_ARGS__))                                                           \
      CAF_FAIL("REQUIRE " #__VA_ARGS__);                                                           \
  } while (false)
#define CAF_REQUIRE_FUNC(f, x, y)                                                                  \
  do {                                                                                             \
    if (!f{}(x, y))                                                                                \
      CAF_FAIL("REQUIRE " #f "(" #x ", " #y ")");                                                  \
  } while (false)
#undef FAIL
#define FAIL(msg) CAF_FAIL(msg)

#include "caf/test/dsl.hpp"
