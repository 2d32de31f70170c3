// keelctl status|members|tree --watch: the same report again every interval,
// in place on a terminal (as watch(1) does), one after the other elsewhere,
// one JSON document per line with --json, until interrupted or --count
// refreshes were printed.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

namespace keel::keelctl {

struct watch_settings {
  bool on = false;
  uint32_t interval_ms = 1000;
  uint32_t count = 0;        // refreshes to print; 0: until interrupted
  bool clear_screen = false; // stdout is a terminal: each refresh replaces the last
};

/// Runs `once`, which prints one report of `what` (e.g. "keelctl status")
/// and returns its exit code; with `w.on`, again every interval, each text
/// report under a line naming it, the interval and the time. Returns the
/// last exit code.
int refresh(const watch_settings& w, std::ostream& out, bool json, const std::string& what,
            const std::function<int()>& once);

} // namespace keel::keelctl
