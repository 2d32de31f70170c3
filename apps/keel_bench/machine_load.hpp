// machine_load: how busy the machine was while keel-bench measured. On a
// small shared machine the figures mean little without it, so every load run
// and every failover run reports the 1-minute load average next to them.
#pragma once

namespace keel::bench {

/// The 1-minute load average from /proc/loadavg, or -1 when it cannot be read.
double load_average_1min();

} // namespace keel::bench
