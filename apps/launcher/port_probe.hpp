// port_probe: whether something accepts TCP connections on host:port, the
// sign that a node is up (its client port) or that another process holds a
// port a node needs.
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

namespace keel::launcher {

/// Whether host:port (any address the host resolves to) accepts a TCP
/// connection within `timeout`. An unresolvable host is a closed port.
bool port_open(const std::string& host, uint16_t port,
               std::chrono::milliseconds timeout = std::chrono::milliseconds{250});

/// A TCP port on 127.0.0.1 that nobody listens on right now: the kernel picks
/// it (bind to port 0), and it is released at once, so it can be handed to a
/// node that binds it later. Ports in `taken` are never returned, and the one
/// returned is added to it. Throws std::runtime_error when none is found.
uint16_t free_port(std::set<uint16_t>& taken);

} // namespace keel::launcher
