// The one place that states Keel's version (messages/version.cpp).
#pragma once

namespace keel {
const char* version();
} // namespace keel
