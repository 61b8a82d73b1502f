// plugins.worker: runner threads, leases, retries, schedules, default attempts, webhooks.
#pragma once

#include <streamgate/plugin.hpp>

#include "runner.hpp"
#include "webhook_config.hpp"

namespace sg::worker {

struct WorkerConfig {
  RunnerOptions runner;
  int64_t default_max_attempts = 5;
  WebhooksConfig webhooks;  // plugins.worker.webhooks
  // Parses plugins.worker; unknown keys and bad values are errors naming the key.
  static WorkerConfig from_json(const json& section);
};

}  // namespace sg::worker
