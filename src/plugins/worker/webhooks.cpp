// Webhooks lifecycle, metrics, fan-out of events to endpoints, and housekeeping. One
// attempt of a delivery is in webhook_delivery.cpp.
#include "webhooks.hpp"

#include <thread>

#include "sql/util.hpp"
#include "webhook_topics.hpp"

namespace sg::worker {

WebhookMetrics WebhookMetrics::create(const Host& host) {
  const char* attempts_help = "Webhook delivery attempts by outcome";
  const char* deliveries_help = "Webhook deliveries that reached a final status";
  WebhookMetrics m;
  m.attempt_delivered =
      host.counter("sg_webhook_attempts_total", attempts_help, "outcome=\"delivered\"");
  m.attempt_http_error =
      host.counter("sg_webhook_attempts_total", attempts_help, "outcome=\"http_error\"");
  m.attempt_refused =
      host.counter("sg_webhook_attempts_total", attempts_help, "outcome=\"refused\"");
  m.attempt_timeout =
      host.counter("sg_webhook_attempts_total", attempts_help, "outcome=\"timeout\"");
  m.attempt_network =
      host.counter("sg_webhook_attempts_total", attempts_help, "outcome=\"network_error\"");
  m.delivered =
      host.counter("sg_webhook_deliveries_total", deliveries_help, "status=\"delivered\"");
  m.failed = host.counter("sg_webhook_deliveries_total", deliveries_help, "status=\"failed\"");
  m.attempt_seconds = host.histogram("sg_webhook_attempt_duration_seconds",
                                     "Duration of webhook delivery attempts (lookup to answer)");
  m.events_dropped = host.counter(
      "sg_webhook_events_dropped_total",
      "Bus events not turned into webhook deliveries (queue full, stopping or database error)");
  return m;
}

const Metric& WebhookMetrics::attempt(WebhookResponse::Outcome o) const {
  switch (o) {
    case WebhookResponse::Outcome::delivered:
      return attempt_delivered;
    case WebhookResponse::Outcome::http_error:
      return attempt_http_error;
    case WebhookResponse::Outcome::refused:
      return attempt_refused;
    case WebhookResponse::Outcome::timeout:
      return attempt_timeout;
    case WebhookResponse::Outcome::network_error:
      return attempt_network;
  }
  return attempt_network;
}

Webhooks::Webhooks(Host host, const WebhooksConfig& config, sql::Database& db, Runner& runner,
                   Enqueue enqueue)
    : host_(host),
      config_(config),
      store_(db),
      runner_(runner),
      enqueue_(std::move(enqueue)),
      metrics_(WebhookMetrics::create(host)),
      queue_(static_cast<size_t>(config.queue_limit),
             [this](const PublicEvent& e) { fan_out(e); }) {
  client_options_.timeout = std::chrono::milliseconds(config.timeout_ms);
  client_options_.allow_private_targets = config.allow_private_targets;
  client_options_.ca_file = config.ca_file;
}

Webhooks::~Webhooks() {
  stop();
}

void Webhooks::start() {
  store_.migrate();
  queue_.start();
  const WebhooksConfig* c = &config_;
  sg_status st =
      runner_.register_handler(kWebhookJobType, &Webhooks::job_shim, this,
                               [c](int64_t attempt) { return c->backoff_after(attempt); });
  if (st != SG_OK)
    throw Error(st, std::string("cannot register the ") + kWebhookJobType + " handler");
  handler_registered_ = true;
  timer_ = host_.start_timer(std::chrono::seconds(60), std::chrono::seconds(60), [this] {
    // Ticks must stay short: the SQL runs on the blocking pool, one pass at a time.
    if (housekeeping_busy_.exchange(true)) return;
    try {
      host_.run_blocking([this] {
        try {
          housekeeping();
        } catch (const std::exception& e) {
          warn_rate_limited(std::string("worker: webhook housekeeping failed: ") + e.what());
        }
        housekeeping_busy_ = false;
      });
    } catch (const std::exception&) {
      housekeeping_busy_ = false;  // pool full or stopping: the next tick tries again
    }
  });
}

void Webhooks::stop() {
  timer_.reset();
  queue_.stop();
  if (handler_registered_) {
    runner_.unregister_handler(kWebhookJobType);  // waits for running deliveries
    handler_registered_ = false;
  }
  // A housekeeping pass still on the blocking pool uses the store: wait for it (bounded:
  // a pass is a few statements).
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (housekeeping_busy_.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

nlohmann::json Webhooks::health() const {
  return nlohmann::json{{"enabled", true},
                        {"global_endpoints", config_.endpoints.size()},
                        {"queued_events", queue_.depth()},
                        {"dropped_events", dropped_.load()},
                        {"allow_private_targets", config_.allow_private_targets}};
}

void Webhooks::on_event(std::string_view topic, const nlohmann::json& payload) {
  int64_t now = sql::now_ms();
  auto event = make_public_event(ids_.next(now), topic, payload, now);
  if (!queue_.push(std::move(event))) {
    ++dropped_;
    metrics_.events_dropped.add();
    warn_rate_limited("worker: webhook queue full or stopping; an event of topic " +
                      std::string(topic) + " was not delivered");
  }
}

const GlobalEndpoint* Webhooks::global_endpoint(const std::string& id) const {
  for (const auto& g : config_.endpoints)
    if (g.id == id) return &g;
  return nullptr;
}

void Webhooks::fan_out(const PublicEvent& event) {
  try {
    std::vector<std::string> targets;
    for (const auto& g : config_.endpoints)
      if (topic_matches(g.topics, event.topic)) targets.push_back(g.id);
    // No owner (or not an address): only global endpoints hear of it.
    if (event.owner)
      for (const auto& e : store_.endpoints_of(*event.owner))
        if (topic_matches(e.topics, event.topic)) targets.push_back(e.id);
    if (targets.empty()) return;
    std::string body =
        event.document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    for (const auto& endpoint_id : targets) {
      DeliveryRecord d;
      d.id = sql::uuid_v4();
      d.endpoint_id = endpoint_id;
      d.event_id = event.id;
      d.topic = event.topic;
      d.body = body;
      d.created_at = sql::now_ms();
      store_.create_delivery(d);
      // A failure from here on leaves a pending delivery without a job: housekeeping
      // enqueues it later (same idempotency key, so never twice).
      enqueue_delivery(d.id, 1);
    }
  } catch (const std::exception& e) {
    ++dropped_;
    metrics_.events_dropped.add();
    warn_rate_limited("worker: webhook fan-out of event " + event.id + " (" + event.topic +
                      ") failed: " + e.what());
  }
}

void Webhooks::enqueue_delivery(const std::string& delivery_id, int64_t series) {
  std::string payload = nlohmann::json{{"delivery_id", delivery_id}, {"series", series}}.dump();
  std::string key = "webhook:" + delivery_id + ":" + std::to_string(series);
  sg_job_options o{};
  o.struct_size = sizeof o;
  o.max_attempts = static_cast<uint32_t>(config_.max_attempts);
  o.idempotency_key = key.data();
  o.idempotency_key_size = key.size();
  std::string job_id = enqueue_(kWebhookJobType, payload, &o);
  store_.set_job(delivery_id, job_id);
}

void Webhooks::housekeeping() {
  for (const auto& d : store_.orphans(60000, 500)) enqueue_delivery(d.id, d.series);
  int64_t n = store_.prune(config_.log_keep_days * 86400000LL, config_.log_keep_per_endpoint);
  if (n > 0) host_.debug("worker: pruned " + std::to_string(n) + " webhook deliveries");
}

void Webhooks::warn_rate_limited(const std::string& message) {
  int64_t now = sql::now_ms();
  {
    std::lock_guard lock(warn_mu_);
    if (now - last_warn_ms_ < 5000) return;
    last_warn_ms_ = now;
  }
  host_.warn(message);
}

}  // namespace sg::worker
