// A circuit breaker for the Redis connection: after a connectivity failure calls are
// refused at once (no network I/O) until a backoff delay has passed; then exactly one
// caller is let through as a probe. A successful probe closes the breaker; a failed one
// doubles the delay (up to a cap). This is what keeps every call fast while Redis is down,
// instead of each call waiting for its own connect timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace sg::cache {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Permit {
    kClosed,   // healthy: go ahead
    kProbe,    // open but due for a retry: this caller probes and must report back
    kRejected  // open: fail fast
  };

  CircuitBreaker(std::chrono::milliseconds initial_backoff, std::chrono::milliseconds max_backoff);

  Permit acquire();
  // A round-trip to the server worked (any reply, even an error reply). Returns true when
  // this closed an open breaker (a recovery worth logging).
  bool on_success();
  // Connecting or talking to the server failed; `error` must not contain secrets. Returns
  // true when this opened a closed breaker (an outage worth logging).
  bool on_failure(const std::string& error);
  // A probe that ended without reaching the server either way (e.g. shutting down): lets
  // the next caller probe instead.
  void abandon_probe();

  bool is_open() const noexcept { return open_.load(std::memory_order_acquire); }
  std::string last_error() const;
  uint64_t failures() const noexcept { return failures_.load(std::memory_order_relaxed); }
  // Milliseconds until the next probe is allowed (0 when closed or due).
  int64_t retry_in_ms() const;

 private:
  const std::chrono::milliseconds initial_backoff_;
  const std::chrono::milliseconds max_backoff_;
  std::atomic<bool> open_{false};
  std::atomic<uint64_t> failures_{0};
  mutable std::mutex mu_;
  bool probing_ = false;
  std::chrono::milliseconds backoff_;
  Clock::time_point retry_at_{};
  std::string last_error_;
};

}  // namespace sg::cache
