#include "runner.hpp"

#include <algorithm>
#include <chrono>
#include <random>

#include <streamgate/plugin.hpp>

#include "sql/util.hpp"

namespace sg::worker {

// The per-invocation context behind sg_job_context. Lives on the claimer's stack for the
// duration of one handler call.
struct Runner::Ctx {
  sg_job_context c{};
  Runner* runner = nullptr;
  std::shared_ptr<Running> run;
  enum class Outcome { none, succeeded, failed } outcome = Outcome::none;
  std::optional<std::string> result;
  std::string error;
  bool retryable = true;
};

namespace {
using Clock = std::chrono::steady_clock;
}

Runner::Runner(JobStore& store, RunnerOptions options, Publish publish, Log log)
    : store_(store),
      opt_(std::move(options)),
      publish_(std::move(publish)),
      log_(std::move(log)),
      instance_(sql::uuid_v4()) {
  last_schedule_keys_.resize(opt_.schedules.size());
}

Runner::~Runner() {
  stop();
}

int64_t Runner::backoff_ms(int64_t attempt, int64_t base, int64_t max) {
  int64_t d = base;
  for (int64_t i = 1; i < attempt && d < max; ++i) d *= 2;
  d = std::min(d, max);
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<int64_t> dist(d / 2, d);
  return dist(rng);
}

void Runner::start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  stopping_ = false;
  for (int i = 0; i < opt_.concurrency; ++i) threads_.emplace_back([this, i] { claim_loop(i); });
  threads_.emplace_back([this] { housekeeping_loop(); });
}

void Runner::stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    stopping_ = true;
    for (auto& [id, r] : running_) r->cancel = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  std::lock_guard lock(mu_);
  started_ = false;
}

sg_status Runner::register_handler(const std::string& type, sg_job_handler_fn fn, void* user,
                                   BackoffFn backoff) {
  {
    std::lock_guard lock(mu_);
    if (handlers_.count(type)) return SG_ERR_EXISTS;
    handlers_[type] = std::make_unique<Handler>(Handler{fn, user, std::move(backoff), 0, false});
  }
  cv_.notify_all();
  return SG_OK;
}

sg_status Runner::unregister_handler(const std::string& type) {
  std::unique_lock lock(mu_);
  auto it = handlers_.find(type);
  if (it == handlers_.end() || it->second->removing) return SG_ERR_NOT_FOUND;
  Handler* h = it->second.get();
  h->removing = true;  // claimers stop taking this type
  for (auto& [id, r] : running_)
    if (r->job.type == type) r->cancel = true;
  handlers_cv_.wait(lock, [&] { return h->running == 0; });
  handlers_.erase(type);
  return SG_OK;
}

void Runner::wake() {
  cv_.notify_all();
}

void Runner::cancel_local(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = running_.find(id);
  if (it != running_.end()) it->second->cancel = true;
}

json Runner::stats() const {
  std::lock_guard lock(mu_);
  json types = json::array();
  for (const auto& [t, h] : handlers_) types.push_back(t);
  return json{{"instance", instance_},          {"threads", opt_.concurrency},
              {"running", running_.size()},     {"handlers", types},
              {"completed", completed_.load()}, {"failed_attempts", failed_.load()}};
}

std::vector<std::string> Runner::active_types() {
  std::vector<std::string> out;
  for (const auto& [t, h] : handlers_)
    if (!h->removing) out.push_back(t);
  return out;
}

void Runner::warn_rate_limited(const std::string& msg) {
  // A dead database would otherwise log once per poll per thread.
  int64_t now = sql::now_ms();
  {
    std::lock_guard lock(mu_);
    if (now - last_warn_ms_ < 5000) return;
    last_warn_ms_ = now;
  }
  log_(SG_LOG_WARN, msg);
}

void Runner::claim_loop(int index) {
  for (;;) {
    std::vector<std::string> types;
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
      types = active_types();
      if (types.empty()) {
        cv_.wait_for(lock, std::chrono::milliseconds(opt_.poll_ms));
        continue;
      }
    }
    std::string token = instance_ + "/" + std::to_string(index) + "/" + sql::uuid_v4();
    std::optional<JobRecord> job;
    try {
      job = store_.claim(types, token, opt_.lease_ms);
    } catch (const std::exception& e) {
      warn_rate_limited(std::string("worker: cannot claim jobs: ") + e.what());
    }
    if (!job) {
      std::unique_lock lock(mu_);
      if (stopping_) return;
      cv_.wait_for(lock, std::chrono::milliseconds(opt_.poll_ms));
      continue;
    }
    auto run = std::make_shared<Running>();
    run->job = std::move(*job);
    run->token = token;
    Handler* handler = nullptr;
    {
      std::lock_guard lock(mu_);
      auto it = handlers_.find(run->job.type);
      if (it != handlers_.end() && !it->second->removing && !stopping_) {
        handler = it->second.get();
        ++handler->running;
        running_[run->job.id] = run;
      }
    }
    if (handler == nullptr) {
      // Unregistered between snapshot and claim: hand the job back untouched.
      try {
        store_.release(run->job.id, token);
      } catch (const std::exception& e) {
        warn_rate_limited(std::string("worker: cannot release job: ") + e.what());
      }
      continue;
    }
    run_one(run, handler);
    {
      std::lock_guard lock(mu_);
      running_.erase(run->job.id);
      --handler->running;
    }
    handlers_cv_.notify_all();
  }
}

void Runner::run_one(const std::shared_ptr<Running>& r, Handler* handler) {
  Ctx ctx;
  ctx.runner = this;
  ctx.run = r;
  ctx.c.struct_size = sizeof(sg_job_context);
  ctx.c.ctx = &ctx;
  ctx.c.id = r->job.id.c_str();
  ctx.c.id_size = r->job.id.size();
  ctx.c.type = r->job.type.c_str();
  ctx.c.type_size = r->job.type.size();
  ctx.c.payload_json = r->job.payload.c_str();
  ctx.c.payload_size = r->job.payload.size();
  ctx.c.attempt = static_cast<uint32_t>(r->job.attempts);
  ctx.c.max_attempts = static_cast<uint32_t>(r->job.max_attempts);
  ctx.c.progress = &Runner::ctx_progress;
  ctx.c.is_cancelled = &Runner::ctx_is_cancelled;
  ctx.c.succeed = &Runner::ctx_succeed;
  ctx.c.fail = &Runner::ctx_fail;
  log_(SG_LOG_DEBUG, "worker: running job " + r->job.id + " (" + r->job.type + ", attempt " +
                         std::to_string(r->job.attempts) + ")");
  handler->fn(handler->user, &ctx.c);  // C callback: must not throw (documented in jobs.h)
  finish(r, ctx, *handler);
}

int64_t Runner::retry_delay(const Handler& handler, int64_t attempt) const {
  if (handler.backoff) return handler.backoff(attempt);
  return backoff_ms(attempt, opt_.retry_base_ms, opt_.retry_max_ms);
}

void Runner::finish(const std::shared_ptr<Running>& r, Ctx& ctx, const Handler& handler) {
  const auto& id = r->job.id;
  if (r->lost) {
    log_(SG_LOG_WARN, "worker: lease of job " + id + " was lost; its outcome is discarded");
    return;
  }
  bool stopping;
  {
    std::lock_guard lock(mu_);
    stopping = stopping_;
    auto it = handlers_.find(r->job.type);
    if (it != handlers_.end() && it->second->removing) stopping = true;
  }
  std::string final_state;
  try {
    bool ok = false;
    if (ctx.outcome == Ctx::Outcome::succeeded) {
      ok = store_.succeed(id, r->token, ctx.result);
      final_state = "succeeded";
      ++completed_;
    } else if (ctx.outcome == Ctx::Outcome::failed) {
      ok = store_.fail(id, r->token, ctx.error, ctx.retryable,
                       retry_delay(handler, r->job.attempts));
      final_state = "failed";
      ++failed_;
    } else if (r->cancel && !stopping) {
      ok = store_.finish_cancelled(id, r->token);
      final_state = "cancelled";
    } else if (stopping) {
      // Interrupted by shutdown: not the job's fault, so the attempt is not consumed.
      ok = store_.release(id, r->token);
      final_state = "released";
    } else {
      ok = store_.fail(id, r->token, "handler returned without a result", true,
                       retry_delay(handler, r->job.attempts));
      final_state = "failed";
      ++failed_;
    }
    if (!ok) log_(SG_LOG_WARN, "worker: job " + id + " changed underneath (lease lost)");
  } catch (const std::exception& e) {
    // The lease will expire and another attempt will run; nothing is lost.
    log_(SG_LOG_ERROR, "worker: cannot record the outcome of job " + id + ": " + e.what());
    return;
  }
  if (final_state != "released") {
    try {
      auto rec = store_.get(id);
      if (rec)
        publish_("job.finished",
                 json{{"job_id", id}, {"type", r->job.type}, {"state", rec->state}});
    } catch (const std::exception&) {
      // The event is a courtesy; the database holds the truth.
    }
  }
  cv_.notify_all();  // a retry may be due for another claimer
}

void Runner::housekeeping_loop() {
  const int64_t tick = std::max<int64_t>(100, std::min<int64_t>(opt_.lease_ms / 3, 1000));
  int64_t last_beat = 0, last_sweep = 0, last_prune = 0;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, std::chrono::milliseconds(tick), [&] { return stopping_; })) return;
    }
    int64_t now = sql::now_ms();
    if (now - last_beat >= opt_.lease_ms / 3) {
      last_beat = now;
      std::vector<std::shared_ptr<Running>> runs;
      {
        std::lock_guard lock(mu_);
        for (auto& [id, r] : running_) runs.push_back(r);
      }
      for (auto& r : runs) {
        try {
          auto beat = store_.heartbeat(r->job.id, r->token, opt_.lease_ms);
          if (!beat) {
            r->lost = true;
            r->cancel = true;
          } else if (*beat) {
            r->cancel = true;
          }
        } catch (const std::exception& e) {
          warn_rate_limited(std::string("worker: heartbeat failed: ") + e.what());
        }
      }
    }
    try {
      if (now - last_sweep >= 1000) {
        last_sweep = now;
        if (store_.sweep() > 0) cv_.notify_all();
      }
      if (now - last_prune >= 600000) {
        last_prune = now;
        store_.prune(opt_.retention_ms);
      }
      for (size_t i = 0; i < opt_.schedules.size(); ++i) {
        const auto& s = opt_.schedules[i];
        auto key = s.period_key(now);
        if (!key || *key == last_schedule_keys_[i]) continue;
        EnqueueRequest req;
        req.type = s.type;
        req.payload = s.payload.dump();
        req.idempotency_key = "schedule:" + *key;
        auto [id, created] = store_.enqueue(req);
        last_schedule_keys_[i] = *key;
        if (created) {
          log_(SG_LOG_INFO, "worker: scheduled job " + s.type + " enqueued as " + id);
          cv_.notify_all();
        }
      }
    } catch (const std::exception& e) {
      warn_rate_limited(std::string("worker: housekeeping failed: ") + e.what());
    }
  }
}

sg_status Runner::ctx_progress(void* c, uint32_t percent, const char* msg, size_t size) {
  auto* ctx = static_cast<Ctx*>(c);
  auto& r = *ctx->run;
  Runner& self = *ctx->runner;
  int64_t pct = std::min<uint32_t>(percent, 100);
  std::string message(msg != nullptr ? msg : "", msg != nullptr ? size : 0);
  int64_t now = sql::now_ms();
  if (now - r.last_progress_write >= self.opt_.progress_interval_ms || pct == 100) {
    r.last_progress_write = now;
    try {
      auto beat = self.store_.progress(r.job.id, r.token, pct, message);
      if (!beat) {
        r.lost = true;
        r.cancel = true;
      } else if (*beat) {
        r.cancel = true;
      }
      self.publish_(
          "job.progress",
          json{
              {"job_id", r.job.id}, {"type", r.job.type}, {"progress", pct}, {"message", message}});
    } catch (const std::exception& e) {
      self.warn_rate_limited(std::string("worker: cannot record progress: ") + e.what());
    }
  }
  return r.cancel ? SG_ERR_CANCELLED : SG_OK;
}

int Runner::ctx_is_cancelled(void* c) {
  return static_cast<Ctx*>(c)->run->cancel ? 1 : 0;
}

void Runner::ctx_succeed(void* c, const char* result, size_t size) {
  auto* ctx = static_cast<Ctx*>(c);
  if (ctx->outcome != Ctx::Outcome::none) return;  // first call wins
  ctx->outcome = Ctx::Outcome::succeeded;
  if (result != nullptr && size > 0) {
    std::string text(result, size);
    // Keep only valid JSON; anything else is stored as a JSON string.
    ctx->result =
        json::accept(text) ? text : json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

void Runner::ctx_fail(void* c, const char* msg, size_t size, int retryable) {
  auto* ctx = static_cast<Ctx*>(c);
  if (ctx->outcome != Ctx::Outcome::none) return;
  ctx->outcome = Ctx::Outcome::failed;
  // At most 4000 bytes, cut before a character rather than through it.
  size_t n = msg != nullptr ? std::min<size_t>(size, 4000) : 0;
  if (n < size)
    while (n > 0 && (static_cast<unsigned char>(msg[n]) & 0xC0) == 0x80) --n;
  ctx->error = std::string(msg != nullptr ? msg : "", n);
  if (ctx->error.empty()) ctx->error = "failed";
  ctx->retryable = retryable != 0;
}

}  // namespace sg::worker
