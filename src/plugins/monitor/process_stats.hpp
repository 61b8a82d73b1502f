// Process metrics read from /proc on every scrape (Linux). Each field is empty when its
// source cannot be read, so one unreadable file never fails the whole scrape.
#pragma once

#include <optional>

namespace sg::monitor {

struct ProcessStats {
  std::optional<double> resident_memory_bytes;
  std::optional<double> virtual_memory_bytes;
  std::optional<double> open_fds;
  std::optional<double> max_fds;
  std::optional<double> cpu_seconds_total;
  std::optional<double> start_time_seconds;  // Unix time
};

// Reads the stats of the calling process.
ProcessStats read_process_stats();

}  // namespace sg::monitor
