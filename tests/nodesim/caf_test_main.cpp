// The one TU of this binary that instantiates CAF's test engine (needed by
// caf/test/dsl.hpp); GoogleTest provides main().
#define CAF_TEST_NO_MAIN
#include "caf/test/unit_test_impl.hpp"
