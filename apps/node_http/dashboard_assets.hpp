// The dashboard's static files (apps/node_http/dashboard/), compiled into
// keel-node by cmake/EmbedAssets.cmake, so an installed node serves its page
// without finding files at run time.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace keel::http {

struct asset {
  std::string_view bytes;
  const char* content_type;
};

/// By URL path: "/" (index.html), "/dashboard.js", "/dashboard.css".
const std::map<std::string, asset>& dashboard_assets();

} // namespace keel::http
