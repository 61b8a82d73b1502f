#include "observer.hpp"

#include <string>

namespace sg::gateway {
namespace {

// Prometheus label values escape backslash, quote and newline.
void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
}

int method_index(std::string_view m) {
  static constexpr std::string_view kNames[] = {"GET",   "HEAD",   "POST",   "PUT",
                                                "PATCH", "DELETE", "OPTIONS"};
  for (int i = 0; i < 7; ++i)
    if (m == kNames[i]) return i;
  return 7;
}

}  // namespace

Observer::Observer(sg::Host host, bool access_log)
    : host_(host),
      access_log_(access_log),
      open_(host.gauge("sg_http_open_connections", "Open HTTP connections")) {}

sg_metric* Observer::lookup(std::unordered_map<std::uint64_t, sg_metric*>& map, std::uint64_t key,
                            sg_metric_kind kind, std::string_view name, std::string_view help,
                            const std::string& labels) const {
  auto it = map.find(key);
  if (it != map.end()) return it->second;
  sg_metric* m =
      host_.api()->metric_get(host_.api()->host, kind, name.data(), name.size(), help.data(),
                              help.size(), labels.data(), labels.size(), nullptr, 0);
  map.emplace(key, m);
  return m;
}

void Observer::request_done(const RequestRecord& r) const {
  thread_local ThreadCache cache;
  const sg_host_api* api = host_.api();
  int mi = method_index(r.method);
  auto status = static_cast<std::uint64_t>(r.status < 0 || r.status > 999 ? 0 : r.status);
  std::uint64_t key = (r.route_id << 14) | (static_cast<std::uint64_t>(mi) << 10) | status;

  auto route_labels = [&] {
    std::string l = "route=\"";
    append_label_value(l, r.route_label);
    l += '"';
    return l;
  };
  sg_metric* counter = nullptr;
  if (auto it = cache.counters.find(key); it != cache.counters.end()) {
    counter = it->second;
  } else {
    std::string labels = route_labels();
    labels += ",method=\"";
    append_label_value(labels, mi < 7 ? r.method : std::string_view("OTHER"));
    labels += "\",status=\"" + std::to_string(status) + "\"";
    counter = lookup(cache.counters, key, SG_METRIC_COUNTER, "sg_http_requests_total",
                     "HTTP requests by route pattern, method and status", labels);
  }
  api->metric_add(counter, 1);

  sg_metric* hist = nullptr;
  sg_metric* bytes = nullptr;
  if (auto it = cache.histograms.find(r.route_id); it != cache.histograms.end()) {
    hist = it->second;
    bytes = cache.bytes[r.route_id];
  } else {
    std::string labels = route_labels();
    hist = lookup(cache.histograms, r.route_id, SG_METRIC_HISTOGRAM,
                  "sg_http_request_duration_seconds", "HTTP request duration by route pattern",
                  labels);
    bytes = lookup(cache.bytes, r.route_id, SG_METRIC_COUNTER, "sg_http_response_bytes_total",
                   "HTTP response body bytes by route pattern", labels);
  }
  api->metric_observe(hist, r.seconds);
  api->metric_add(bytes, static_cast<double>(r.bytes));

  if (access_log_ && host_.log_enabled(SG_LOG_INFO)) {
    nlohmann::json line = {{"type", "access"},
                           {"method", r.method},
                           {"path", r.path},
                           {"route", r.route_label},
                           {"status", r.status},
                           {"bytes", r.bytes},
                           {"duration_ms", r.seconds * 1000.0},
                           {"request_id", r.request_id},
                           {"remote", r.remote}};
    host_.info(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

}  // namespace sg::gateway
