// port_probe: whether something accepts TCP connections on host:port, the
// sign that a node is up (its client port) or that another process holds a
// port a node needs.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace keel::launcher {

/// Whether host:port (any address the host resolves to) accepts a TCP
/// connection within `timeout`. An unresolvable host is a closed port.
bool port_open(const std::string& host, uint16_t port,
               std::chrono::milliseconds timeout = std::chrono::milliseconds{250});

} // namespace keel::launcher
