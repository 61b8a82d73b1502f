// The runner threads (the worker plugin's own): N claimers that run handlers, plus one
// housekeeping thread that renews leases (heartbeat), sweeps dead leases, prunes old jobs and
// fires schedules.
// Handlers are registered per type by other plugins through the jobs service.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <streamgate/plugin.h>
#include <streamgate/services/jobs.h>

#include "job_store.hpp"
#include "schedule.hpp"

namespace sg::worker {

struct RunnerOptions {
  int concurrency = 2;
  int64_t lease_ms = 30000;
  int64_t poll_ms = 500;
  int64_t retry_base_ms = 1000;
  int64_t retry_max_ms = 300000;
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;
  int64_t progress_interval_ms = 250;  // progress writes are throttled to this period
  std::vector<Schedule> schedules;
};

class Runner {
 public:
  using Publish = std::function<void(const std::string& topic, const json& payload)>;
  using Log = std::function<void(sg_log_level, const std::string&)>;

  Runner(JobStore& store, RunnerOptions options, Publish publish, Log log);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  void start();
  // Stops claiming, flags running handlers as cancelled, joins every thread. Jobs whose
  // handlers return without a result are released for a later run.
  void stop();

  // The wait before retry number `attempt` (1-based) of a job type, when the worker's own
  // retry_base_ms / retry_max_ms policy does not fit (webhooks back off in minutes).
  using BackoffFn = std::function<int64_t(int64_t attempt)>;

  sg_status register_handler(const std::string& type, sg_job_handler_fn fn, void* user,
                             BackoffFn backoff = {});
  sg_status unregister_handler(const std::string& type);

  // Wakes idle claimers (after a local enqueue or retry).
  void wake();
  // Flags a locally running job as cancelled right away (the heartbeat would find it too).
  void cancel_local(const std::string& id);

  json stats() const;
  // Backoff before retry number `attempt` (1-based): base * 2^(attempt-1) capped at max,
  // then "equal jitter" (uniform in [d/2, d]) so failing jobs do not retry in lockstep.
  static int64_t backoff_ms(int64_t attempt, int64_t base, int64_t max);

 private:
  struct Handler {
    sg_job_handler_fn fn;
    void* user;
    BackoffFn backoff;  // empty = backoff_ms(attempt, retry_base_ms, retry_max_ms)
    int running = 0;
    bool removing = false;
  };
  struct Running {
    JobRecord job;
    std::string token;
    std::atomic<bool> cancel{false};  // cancel requested for this job
    std::atomic<bool> lost{false};    // lease lost: do not write anything back
    int64_t last_progress_write = 0;
  };
  struct Ctx;

  void claim_loop(int index);
  void housekeeping_loop();
  void run_one(const std::shared_ptr<Running>& r, Handler* handler);
  void finish(const std::shared_ptr<Running>& r, Ctx& ctx, const Handler& handler);
  int64_t retry_delay(const Handler& handler, int64_t attempt) const;
  std::vector<std::string> active_types();
  void warn_rate_limited(const std::string& msg);

  static sg_status ctx_progress(void* c, uint32_t percent, const char* msg, size_t size);
  static int ctx_is_cancelled(void* c);
  static void ctx_succeed(void* c, const char* result, size_t size);
  static void ctx_fail(void* c, const char* msg, size_t size, int retryable);

  JobStore& store_;
  RunnerOptions opt_;
  Publish publish_;
  Log log_;
  std::string instance_;

  mutable std::mutex mu_;
  std::condition_variable cv_;           // claimers wait here
  std::condition_variable handlers_cv_;  // unregister waits for running == 0
  std::map<std::string, std::unique_ptr<Handler>> handlers_;
  std::map<std::string, std::shared_ptr<Running>> running_;
  bool stopping_ = false;
  bool started_ = false;
  std::vector<std::thread> threads_;
  std::vector<std::string> last_schedule_keys_;
  int64_t last_warn_ms_ = 0;
  std::atomic<uint64_t> completed_{0}, failed_{0};
};

}  // namespace sg::worker
