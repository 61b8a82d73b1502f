// Webhooks: tell users' systems when their content changes. Bus events become public event
// JSON (webhook_event), are queued (webhook_queue), matched to the owner's endpoints and the
// global ones (fan_out), and each (endpoint, event) pair becomes one delivery row plus one
// durable job of type "webhook.deliver" run by this plugin's own runner; each run of that
// job is one signed POST attempt (webhook_delivery.cpp), logged, retried with the webhook
// backoff. REST lives in webhook_routes.cpp.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <streamgate/services/jobs.h>
#include <streamgate/plugin.hpp>

#include "runner.hpp"
#include "sql/database.hpp"
#include "webhook_client.hpp"
#include "webhook_config.hpp"
#include "webhook_event.hpp"
#include "webhook_queue.hpp"
#include "webhook_store.hpp"

namespace sg::worker {

inline constexpr const char* kWebhookJobType = "webhook.deliver";

// Host metrics of webhook deliveries (Prometheus names in the README).
struct WebhookMetrics {
  Metric attempt_delivered, attempt_http_error, attempt_refused, attempt_timeout, attempt_network;
  Metric delivered, failed;
  Metric attempt_seconds;
  Metric events_dropped;
  static WebhookMetrics create(const Host& host);
  const Metric& attempt(WebhookResponse::Outcome o) const;
};

class Webhooks {
 public:
  // Stores a job and wakes the runner (Context::enqueue).
  using Enqueue = std::function<std::string(const std::string& type, const std::string& payload,
                                            const sg_job_options* options)>;

  Webhooks(Host host, const WebhooksConfig& config, sql::Database& db, Runner& runner,
           Enqueue enqueue);
  ~Webhooks();
  Webhooks(const Webhooks&) = delete;
  Webhooks& operator=(const Webhooks&) = delete;

  // Migrates the tables, starts the fan-out thread, registers the delivery job handler and
  // the retention timer. stop() undoes it (waiting for running deliveries).
  void start();
  void stop();
  nlohmann::json health() const;

  // From an event thread: queues the event (never blocks).
  void on_event(std::string_view topic, const nlohmann::json& payload);

  const WebhooksConfig& config() const noexcept { return config_; }
  WebhookStore& store() noexcept { return store_; }
  const GlobalEndpoint* global_endpoint(const std::string& id) const;
  // Enqueues the job of one attempt series of a delivery and records its id. Blocking.
  void enqueue_delivery(const std::string& delivery_id, int64_t series);
  // Runs the retention and orphan pass now (the timer does it every minute). Blocking.
  void housekeeping();

 private:
  void fan_out(const PublicEvent& event);
  void deliver(const sg_job_context* job);
  static void job_shim(void* self, const sg_job_context* job) noexcept;
  void warn_rate_limited(const std::string& message);

  Host host_;
  const WebhooksConfig& config_;
  WebhookStore store_;
  Runner& runner_;
  Enqueue enqueue_;
  WebhookMetrics metrics_;
  WebhookClientOptions client_options_;
  EventIds ids_;
  WebhookQueue queue_;
  Timer timer_;
  std::atomic<bool> housekeeping_busy_{false};
  std::atomic<uint64_t> dropped_{0};
  bool handler_registered_ = false;
  std::mutex warn_mu_;
  int64_t last_warn_ms_ = 0;
};

}  // namespace sg::worker
