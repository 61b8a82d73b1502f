#pragma once

#include <cstdint>

namespace sgtest {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
// Ports handed out by one process are never repeated, so parallel fixtures don't collide.
uint16_t free_port();

// True when something accepts TCP connections on 127.0.0.1:port.
bool port_accepts(uint16_t port);

}  // namespace sgtest
