// machine_load: /proc/loadavg's first field (see the header).

#include "apps/keel_bench/machine_load.hpp"

#include <fstream>

namespace keel::bench {

double load_average_1min() {
  std::ifstream in{"/proc/loadavg"};
  double one_minute = -1;
  if (!(in >> one_minute))
    return -1;
  return one_minute;
}

} // namespace keel::bench
