// Builds the /metrics body: the host's own exposition (kernel, bus, gateway, plugins) plus
// the monitor's families computed at scrape time. Pure function of its inputs so it is
// unit-tested and benchmarked without a running kernel.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "process_stats.hpp"

namespace sg::monitor {

struct ScrapeInputs {
  std::string_view host_text;          // metrics_render() output
  ProcessStats process;                // read_process_stats()
  const nlohmann::json* plugins;       // plugins_describe() array (may be null)
  const nlohmann::json* kernel_stats;  // kernel_stats() object (may be null)
  double now_seconds = 0;              // Unix time of the scrape, for uptime fallback
  std::string_view self_id = "monitor";
};

// Families already present in host_text are left out, never rendered twice.
std::string render_scrape(const ScrapeInputs& in);

}  // namespace sg::monitor
