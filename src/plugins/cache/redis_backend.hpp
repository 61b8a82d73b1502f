// Redis backend: every operation is one round-trip on a pooled synchronous connection,
// bounded by the command timeout, behind a circuit breaker so that an outage costs callers
// nothing but an immediate SG_ERR_UNAVAILABLE.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "backend.hpp"
#include "circuit_breaker.hpp"
#include "redis_pipeline.hpp"
#include "redis_pool.hpp"

namespace sg::cache {

struct RedisOptions {
  RedisPoolOptions pool;
  std::string key_prefix = "sg:";
  std::chrono::milliseconds reconnect_initial_backoff{100};
  std::chrono::milliseconds reconnect_max_backoff{2000};
};

class RedisBackend final : public Backend {
 public:
  explicit RedisBackend(RedisOptions options);
  ~RedisBackend() override;

  Outcome get(std::string_view key, std::string& out) override;
  Outcome set(std::string_view key, std::string_view value, uint64_t ttl_ms) override;
  Outcome set_if_absent(std::string_view key, std::string_view value, uint64_t ttl_ms) override;
  Outcome del(std::string_view key, bool& removed) override;
  Outcome incr(std::string_view key, int64_t delta, uint64_t ttl_ms, int64_t& out) override;
  Outcome take(std::string_view key, std::string& out) override;
  Outcome get_many(const std::vector<std::string_view>& keys,
                   std::vector<std::optional<std::string>>& out) override;
  // Pipelined: concurrent callers' reads share one round trip on the pipeline thread.
  void get_many_async(std::vector<std::string> keys, ManyDone done) override;

  nlohmann::json health() const override;
  void shutdown() override;

  // One PING round-trip (used at start-up to report connectivity).
  Outcome ping();

  // Called (outside any lock, on the calling thread) when Redis becomes unreachable
  // (up == false, detail = the error, secret-free) and when it is reachable again. Set it
  // before the first call; used by the plugin to log outages once, not once per call.
  using StateListener = std::function<void(bool up, const std::string& detail)>;
  void set_state_listener(StateListener listener) { listener_ = std::move(listener); }

 private:
  // Reads the reply of a command that succeeded at the transport level.
  using ReplyFn = std::function<Outcome(const redisReply&)>;
  // Runs one command (or, for incr, EVALSHA with an EVAL fallback) through the breaker.
  Outcome run(const std::vector<std::string_view>& args, const ReplyFn& on_reply,
              bool is_incr_script = false);
  std::string full_key(std::string_view key) const;
  // Sends one pipelined batch; every command in it is completed, whatever happens.
  void run_batch(std::vector<PipelinedCommand>& batch);
  // The breaker refused a call: why, and when the next attempt is due.
  std::string rejected_message() const;
  // A transport failure: records it with the breaker (telling the listener once per outage)
  // and returns the secret-free message for the caller.
  std::string lost(const std::string& why);
  // A reply arrived: the server is reachable (tells the listener on recovery).
  void reached();

  // Most reads sent as one pipelined batch; more wait for the next round trip.
  static constexpr size_t kMaxPipelineBatch = 256;

  RedisOptions options_;
  std::string redacted_url_;
  std::string incr_script_sha_;
  RedisPool pool_;
  CircuitBreaker breaker_;
  StateListener listener_;
  std::atomic<bool> connected_{false};
  std::atomic<bool> stopped_{false};
  RedisPipeline pipeline_;  // last: its thread calls run_batch, which uses everything above
};

}  // namespace sg::cache
