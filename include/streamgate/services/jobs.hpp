// Header-only C++ layer over services/jobs.h: a client for enqueue/cancel/get and an RAII
// handler registration taking a lambda. Exceptions thrown by a handler become
// fail(retryable) with the exception text; nothing crosses the C boundary.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "../plugin.hpp"
#include "jobs.h"

namespace sg::jobs {

struct EnqueueOptions {
  int32_t priority = 0;
  std::chrono::milliseconds delay{0};
  uint32_t max_attempts = 0;  // 0 = the worker's default
  std::string idempotency_key;
  std::string owner;  // wallet address allowed to see/retry/cancel over REST
};

// The job a handler is running; a thin view over sg_job_context.
class Job {
 public:
  explicit Job(const sg_job_context* c) : c_(c) {}
  std::string_view id() const noexcept { return {c_->id, c_->id_size}; }
  std::string_view type() const noexcept { return {c_->type, c_->type_size}; }
  std::string_view payload_text() const noexcept { return {c_->payload_json, c_->payload_size}; }
  json payload() const { return json::parse(payload_text()); }
  uint32_t attempt() const noexcept { return c_->attempt; }
  uint32_t max_attempts() const noexcept { return c_->max_attempts; }
  bool cancelled() const noexcept { return c_->is_cancelled(c_->ctx) != 0; }
  // False when the job was cancelled or the worker is stopping: return soon.
  bool progress(uint32_t percent, std::string_view message = {}) const noexcept {
    return c_->progress(c_->ctx, percent, message.data(), message.size()) == SG_OK;
  }
  void succeed(const json& result = nullptr) const {
    std::string text = result.is_null() ? std::string() : result.dump();
    c_->succeed(c_->ctx, text.data(), text.size());
  }
  void fail(std::string_view message, bool retryable = true) const noexcept {
    c_->fail(c_->ctx, message.data(), message.size(), retryable ? 1 : 0);
  }

 private:
  const sg_job_context* c_;
};

using HandlerFn = std::function<void(const Job&)>;

// Keeps a handler registered; unregisters (waiting for running calls) on reset/destruction.
class HandlerRegistration {
 public:
  HandlerRegistration() = default;
  HandlerRegistration(const HandlerRegistration&) = delete;
  HandlerRegistration& operator=(const HandlerRegistration&) = delete;
  HandlerRegistration(HandlerRegistration&& o) noexcept { *this = std::move(o); }
  HandlerRegistration& operator=(HandlerRegistration&& o) noexcept {
    reset();
    svc_ = std::exchange(o.svc_, nullptr);
    type_ = std::move(o.type_);
    fn_ = std::move(o.fn_);
    return *this;
  }
  ~HandlerRegistration() { reset(); }
  void reset() noexcept {
    if (svc_ != nullptr) svc_->unregister_handler(svc_->self, type_.data(), type_.size());
    svc_ = nullptr;
    fn_.reset();
  }

 private:
  friend class Client;
  static void shim(void* user, const sg_job_context* ctx) noexcept {
    Job job(ctx);
    try {
      (*static_cast<HandlerFn*>(user))(job);
    } catch (const std::exception& e) {
      job.fail(e.what(), true);
    } catch (...) {
      job.fail("handler threw a non-standard exception", true);
    }
  }
  const sg_jobs_service* svc_ = nullptr;
  std::string type_;
  std::unique_ptr<HandlerFn> fn_;
};

// Calls into the jobs service; methods throw sg::Error (status + message) on failure.
class Client {
 public:
  Client() = default;
  explicit Client(const sg_jobs_service* svc) : svc_(svc) {}
  const sg_jobs_service* service() const noexcept { return svc_; }
  explicit operator bool() const noexcept { return svc_ != nullptr; }

  std::string enqueue(std::string_view type, const json& payload,
                      const EnqueueOptions& opts = {}) const {
    std::string body = payload.dump();
    sg_job_options o{};
    o.struct_size = sizeof(o);
    o.priority = opts.priority;
    o.delay_ms = static_cast<uint64_t>(opts.delay.count() < 0 ? 0 : opts.delay.count());
    o.max_attempts = opts.max_attempts;
    o.idempotency_key = opts.idempotency_key.data();
    o.idempotency_key_size = opts.idempotency_key.size();
    o.owner = opts.owner.data();
    o.owner_size = opts.owner.size();
    sg_owned_str out{};
    sg_error err{};
    check(svc_->enqueue(svc_->self, type.data(), type.size(), body.data(), body.size(), &o, &out,
                        &err),
          err, "jobs.enqueue");
    return take_owned(out);
  }
  void cancel(std::string_view id) const {
    sg_error err{};
    check(svc_->cancel(svc_->self, id.data(), id.size(), &err), err, "jobs.cancel");
  }
  json get(std::string_view id) const {
    sg_owned_str out{};
    sg_error err{};
    check(svc_->get(svc_->self, id.data(), id.size(), &out, &err), err, "jobs.get");
    return json::parse(take_owned(out));
  }
  [[nodiscard]] HandlerRegistration handle(std::string_view type, HandlerFn fn) const {
    HandlerRegistration reg;
    reg.fn_ = std::make_unique<HandlerFn>(std::move(fn));
    sg_error err{};
    check(svc_->register_handler(svc_->self, type.data(), type.size(), &HandlerRegistration::shim,
                                 reg.fn_.get(), &err),
          err, "jobs.register_handler");
    reg.svc_ = svc_;
    reg.type_ = std::string(type);
    return reg;
  }

 private:
  const sg_jobs_service* svc_ = nullptr;
};

}  // namespace sg::jobs
