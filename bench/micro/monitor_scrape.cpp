// Cost of one /metrics scrape in the monitor, without the kernel: rendering the extra
// families on top of a realistic host exposition, and reading /proc for process stats.
// sg_bench_libs: sg_monitor_core
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <string>

#include "prometheus.hpp"
#include "scrape.hpp"

namespace {

using json = nlohmann::json;

// ~20 routes x 5 statuses of counters plus a histogram per route: a busy gateway.
std::string host_text() {
  std::string t;
  t += "# HELP sg_http_requests_total Requests\n# TYPE sg_http_requests_total counter\n";
  for (int r = 0; r < 20; ++r)
    for (int s : {200, 206, 304, 404, 500})
      t += "sg_http_requests_total{route=\"/api/v1/r" + std::to_string(r) + "\",status=\"" +
           std::to_string(s) + "\"} 12345\n";
  t += "# HELP sg_http_request_duration_seconds Latency\n"
       "# TYPE sg_http_request_duration_seconds histogram\n";
  for (int r = 0; r < 20; ++r) {
    std::string route = "route=\"/api/v1/r" + std::to_string(r) + "\"";
    for (const char* le : {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "+Inf"})
      t += "sg_http_request_duration_seconds_bucket{" + route + ",le=\"" + le + "\"} 99\n";
    t += "sg_http_request_duration_seconds_sum{" + route + "} 1.5\n";
    t += "sg_http_request_duration_seconds_count{" + route + "} 99\n";
  }
  return t;
}

json plugins() {
  json a = json::array();
  for (int i = 0; i < 12; ++i)
    a.push_back({{"id", "plugin" + std::to_string(i)}, {"state", "started"}, {"healthy", i != 3}});
  return a;
}

json stats() {
  json topics = json::object();
  for (int i = 0; i < 30; ++i)
    topics["topic.n" + std::to_string(i)] = {
        {"published", 100}, {"delivered", 99}, {"failed", 1}, {"dropped", 0}};
  return {{"uptime_seconds", 3600},
          {"bus", {{"topics", topics}}},
          {"blocking_pool", {{"threads", 8}, {"queued", 0}, {"running", 2}}}};
}

void BM_RenderScrape(benchmark::State& state) {
  const std::string host = host_text();
  const json p = plugins();
  const json s = stats();
  sg::monitor::ProcessStats ps;
  ps.resident_memory_bytes = 5e7;
  ps.open_fds = 40;
  ps.start_time_seconds = 1.7e9;
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = sg::monitor::render_scrape({host, ps, &p, &s, 1.7e9 + 10, "monitor"});
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderScrape);

void BM_FamilyNames(benchmark::State& state) {
  const std::string host = host_text();
  for (auto _ : state) benchmark::DoNotOptimize(sg::monitor::family_names(host));
}
BENCHMARK(BM_FamilyNames);

void BM_ReadProcessStats(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(sg::monitor::read_process_stats());
}
BENCHMARK(BM_ReadProcessStats);

}  // namespace
