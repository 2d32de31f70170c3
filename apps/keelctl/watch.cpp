#include "apps/keelctl/watch.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <ostream>
#include <thread>

namespace keel::keelctl {

namespace {

std::string time_of_day() {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm local{};
  localtime_r(&now, &local);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &local);
  return buf;
}

} // namespace

int refresh(const watch_settings& w, std::ostream& out, bool json, const std::string& what,
            const std::function<int()>& once) {
  if (!w.on)
    return once();
  int code = 0;
  for (uint32_t n = 1;; ++n) {
    auto started = std::chrono::steady_clock::now();
    if (!json) {
      if (w.clear_screen)
        out << "\x1b[H\x1b[2J"; // cursor home, clear screen
      else if (n > 1)
        out << '\n';
      char every[32];
      std::snprintf(every, sizeof every, "%.1fs", w.interval_ms / 1000.0);
      out << "Every " << every << ": " << what << "  " << time_of_day() << "\n\n";
    }
    code = once();
    out.flush();
    if (w.count != 0 && n >= w.count)
      return code;
    std::this_thread::sleep_until(started + std::chrono::milliseconds{w.interval_ms});
  }
}

} // namespace keel::keelctl
