#include <streamgate/plugin.hpp>

#include "config.hpp"

namespace sg::worker {
namespace {

int64_t int_key(const json& s, const char* key, int64_t def, int64_t lo, int64_t hi) {
  if (!s.contains(key)) return def;
  const auto& v = s.at(key);
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
    throw Error(SG_ERR_INVALID, std::string("plugins.worker.") + key + ": must be an integer in [" +
                                    std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v.get<int64_t>();
}

}  // namespace

WorkerConfig WorkerConfig::from_json(const json& s) {
  if (!s.is_object()) throw Error(SG_ERR_INVALID, "plugins.worker: must be a mapping");
  static const char* known[] = {
      "enabled",      "concurrency",          "lease_ms",     "poll_ms",
      "max_attempts", "retry_base_ms",        "retry_max_ms", "retention_ms",
      "schedules",    "progress_interval_ms", "webhooks"};
  for (auto it = s.begin(); it != s.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) throw Error(SG_ERR_INVALID, "plugins.worker." + it.key() + ": unknown key");
  }
  WorkerConfig c;
  auto& r = c.runner;
  r.concurrency = static_cast<int>(int_key(s, "concurrency", 2, 1, 64));
  r.lease_ms = int_key(s, "lease_ms", 30000, 300, 3600000);
  r.poll_ms = int_key(s, "poll_ms", 500, 10, 60000);
  r.retry_base_ms = int_key(s, "retry_base_ms", 1000, 1, 3600000);
  r.retry_max_ms = int_key(s, "retry_max_ms", 300000, 1, 86400000);
  r.retention_ms = int_key(s, "retention_ms", 7LL * 24 * 3600 * 1000, 60000, 3650LL * 86400000);
  r.progress_interval_ms = int_key(s, "progress_interval_ms", 250, 0, 60000);
  c.default_max_attempts = int_key(s, "max_attempts", 5, 1, 1000);
  r.schedules = parse_schedules(s.contains("schedules") ? s["schedules"] : json());
  c.webhooks = WebhooksConfig::from_json(s.contains("webhooks") ? s["webhooks"] : json());
  return c;
}

}  // namespace sg::worker
