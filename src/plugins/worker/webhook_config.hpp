// plugins.worker.webhooks: delivery policy and the global endpoints from the config file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook_url.hpp"

namespace sg::worker {

// An endpoint from the config file: receives matching events of every owner. Its id is a
// UUID derived from its URL and position, so delivery logs survive restarts.
struct GlobalEndpoint {
  std::string id;
  WebhookUrl url;
  std::vector<std::string> topics;
  std::string secret;  // never logged
  std::string description;
};

struct WebhooksConfig {
  bool enabled = true;
  bool allow_private_targets = false;
  int64_t timeout_ms = 10000;  // connect + TLS + request + response, all together
  int64_t max_attempts = 8;
  // Wait after failed attempt n: backoff_ms[n - 1], the last entry repeating (the cap).
  std::vector<int64_t> backoff_ms = {10000, 30000, 120000, 600000, 3600000};
  int64_t max_endpoints_per_owner = 20;
  int64_t log_keep_per_endpoint = 1000;
  int64_t log_keep_days = 30;
  int64_t queue_limit = 10000;  // events waiting to be matched to endpoints
  std::string ca_file;          // extra PEM CA bundle for https receivers ("" = system only)
  std::vector<GlobalEndpoint> endpoints;

  // Parses the section (absent = defaults). Errors throw sg::Error(SG_ERR_INVALID) naming
  // the key, e.g. "plugins.worker.webhooks.endpoints[0].secret: ...".
  static WebhooksConfig from_json(const nlohmann::json& section);

  // The wait before the next try after failed attempt `attempt` (1-based), with up to 10 %
  // jitter taken off so retries after an outage do not arrive in lockstep.
  int64_t backoff_after(int64_t attempt) const;
};

inline constexpr size_t kMinWebhookSecretBytes = 32;

}  // namespace sg::worker
