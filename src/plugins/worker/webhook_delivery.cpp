// One run of a "webhook.deliver" job = one signed POST attempt of one delivery, recorded in
// the delivery log before the job's outcome, so the log never misses an attempt the
// receiver saw (a crash in between re-runs the attempt: receivers dedupe on the event id).
#include <streamgate/services/jobs.hpp>

#include "sql/util.hpp"
#include "webhook_signature.hpp"
#include "webhooks.hpp"

namespace sg::worker {
namespace {

// At most `max` bytes, cut before a UTF-8 continuation byte rather than through a character.
std::string cut_utf8(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

struct Target {
  std::optional<WebhookUrl> url;
  std::string secret;
  std::string problem;  // why there is nothing to send to
};

}  // namespace

void Webhooks::job_shim(void* self, const sg_job_context* job) noexcept {
  jobs::Job j(job);
  try {
    static_cast<Webhooks*>(self)->deliver(job);
  } catch (const std::exception& e) {
    // The database failed (before or while recording): try again later.
    j.fail(std::string("webhook delivery: ") + e.what(), true);
  } catch (...) {
    j.fail("webhook delivery: unknown error", true);
  }
}

void Webhooks::deliver(const sg_job_context* ctx) {
  jobs::Job job(ctx);
  auto payload = nlohmann::json::parse(job.payload_text(), nullptr, false);
  if (!payload.is_object() || !payload.contains("delivery_id") ||
      !payload["delivery_id"].is_string() || !payload.contains("series") ||
      !payload["series"].is_number_integer())
    return job.fail("webhook delivery: malformed job payload", false);
  std::string delivery_id = payload["delivery_id"].get<std::string>();
  int64_t series = payload["series"].get<int64_t>();

  auto d = store_.delivery(delivery_id);
  // Gone (endpoint deleted, pruned) or already settled, or a newer resend took over.
  if (!d || d->status != "pending" || d->series != series)
    return job.succeed(nlohmann::json{{"skipped", true}});

  Target target;
  if (const GlobalEndpoint* g = global_endpoint(d->endpoint_id)) {
    target.url = g->url;
    target.secret = g->secret;
  } else if (auto e = store_.endpoint(d->endpoint_id)) {
    if (!e->enabled) {
      target.problem = "the endpoint is disabled";
    } else if (auto u = parse_webhook_url(e->url)) {
      target.url = u.value();
      target.secret = e->secret;
    } else {
      target.problem = "the endpoint URL is invalid: " + u.error();
    }
  } else {
    target.problem = "the endpoint no longer exists (removed from the config file?)";
  }

  AttemptRecord a;
  a.started_at = sql::now_ms();
  WebhookResponse res;
  if (!target.url) {
    res.outcome = WebhookResponse::Outcome::refused;
    res.error = target.problem;
  } else {
    WebhookRequest req;
    req.url = *target.url;
    req.body = d->body;
    // The signature is made per attempt: its timestamp is the time of sending, so a
    // receiver's replay window applies to retries too.
    int64_t t = sql::now_ms() / 1000;
    req.headers = {{"Content-Type", "application/json"},
                   {"User-Agent", "StreamGate-Webhooks/1"},
                   {"StreamGate-Event-Id", d->event_id},
                   {"StreamGate-Event-Topic", d->topic},
                   {"StreamGate-Delivery-Id", d->id},
                   {"StreamGate-Signature", signature_header(target.secret, t, d->body)}};
    res = send_webhook(req, client_options_);
    metrics_.attempt_seconds.observe(static_cast<double>(res.latency_ms) / 1000.0);
  }
  metrics_.attempt(res.outcome).add();

  using Outcome = WebhookResponse::Outcome;
  bool delivered = res.outcome == Outcome::delivered;
  // A refused target stays refused until someone changes it: no retries (resend works).
  bool retryable = !delivered && res.outcome != Outcome::refused;
  bool last = job.attempt() >= job.max_attempts();
  std::string status = delivered ? "delivered" : (retryable && !last ? "pending" : "failed");

  a.outcome = outcome_name(res.outcome);
  if (res.status > 0) a.status = res.status;
  a.latency_ms = res.latency_ms;
  if (!delivered) a.error = cut_utf8(res.error, 1000);
  if (res.status > 0) a.response = cut_utf8(res.body, kStoredResponseBytes);
  if (!store_.record_attempt(d->id, a, status))
    return job.succeed(nlohmann::json{{"skipped", true}});  // deleted meanwhile

  if (status == "delivered") metrics_.delivered.add();
  if (status == "failed") metrics_.failed.add();
  host_.debug("worker: webhook delivery " + d->id + " attempt " + std::to_string(job.attempt()) +
              ": " + a.outcome + (a.error ? " (" + *a.error + ")" : ""));
  if (delivered) return job.succeed(nlohmann::json{{"status", res.status}});
  job.fail(res.error, retryable);
}

}  // namespace sg::worker
