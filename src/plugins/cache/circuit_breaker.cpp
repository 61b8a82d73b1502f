#include "circuit_breaker.hpp"

#include <algorithm>

namespace sg::cache {

CircuitBreaker::CircuitBreaker(std::chrono::milliseconds initial_backoff,
                               std::chrono::milliseconds max_backoff)
    : initial_backoff_(initial_backoff),
      max_backoff_(std::max(max_backoff, initial_backoff)),
      backoff_(initial_backoff) {}

CircuitBreaker::Permit CircuitBreaker::acquire() {
  // The healthy path takes no lock.
  if (!open_.load(std::memory_order_acquire)) return Permit::kClosed;
  std::lock_guard lock(mu_);
  if (!open_.load(std::memory_order_relaxed)) return Permit::kClosed;
  if (probing_ || Clock::now() < retry_at_) return Permit::kRejected;
  probing_ = true;
  return Permit::kProbe;
}

bool CircuitBreaker::on_success() {
  if (!open_.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(mu_);
  bool was_open = open_.exchange(false, std::memory_order_acq_rel);
  probing_ = false;
  backoff_ = initial_backoff_;
  return was_open;
}

bool CircuitBreaker::on_failure(const std::string& error) {
  failures_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  last_error_ = error;
  bool was_open = open_.load(std::memory_order_relaxed);
  if (was_open && !probing_) return false;  // a straggler from before the breaker opened
  if (was_open) backoff_ = std::min(backoff_ * 2, max_backoff_);  // the probe failed
  probing_ = false;
  retry_at_ = Clock::now() + backoff_;
  open_.store(true, std::memory_order_release);
  return !was_open;
}

void CircuitBreaker::abandon_probe() {
  std::lock_guard lock(mu_);
  probing_ = false;
}

std::string CircuitBreaker::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

int64_t CircuitBreaker::retry_in_ms() const {
  if (!open_.load(std::memory_order_acquire)) return 0;
  std::lock_guard lock(mu_);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - Clock::now());
  return std::max<int64_t>(0, left.count());
}

}  // namespace sg::cache
