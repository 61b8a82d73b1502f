// The monitor plugin's shared state, handed by plugin.cpp to routes.cpp: the host, the
// config and the query thread every kernel query runs on.
#pragma once

#include <cstddef>

#include <streamgate/plugin.hpp>

#include "config.hpp"
#include "query_thread.hpp"

namespace sg::monitor {

// Requests waiting for the query thread; past this the monitor answers 503 at once.
inline constexpr size_t kMaxQueued = 64;

struct Context {
  Context(Host h, MonitorConfig c) : host(h), config(std::move(c)) {}
  Host host;
  MonitorConfig config;
  QueryThread queries{kMaxQueued};
};

}  // namespace sg::monitor
