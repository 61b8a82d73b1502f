// Timers: one scheduler thread on the steady clock; ticks run on a small kernel executor so
// a slow tick does not hold the scheduler. Ticks of one timer never overlap: a tick that
// falls due while the previous one still runs is skipped (no catch-up bursts).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "result.hpp"
#include "thread_pool.hpp"

namespace sgk {

class TimerService {
 public:
  explicit TimerService(size_t executor_threads = 2);
  ~TimerService();
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;

  // fn runs after `delay`, then every `period` when period > 0. Returns a non-zero id.
  Result<uint64_t> start(const std::string& owner, std::chrono::milliseconds delay,
                         std::chrono::milliseconds period, std::function<void()> fn);
  // When it returns, fn is not running (unless called from inside it) and will not run
  // again. `owner` non-empty restricts to that owner's timers. False when unknown.
  bool cancel(uint64_t id, const std::string& owner = {});
  size_t cancel_owner(const std::string& owner);
  void shutdown();
  size_t active() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Timer {
    uint64_t id;
    std::string owner;
    std::chrono::milliseconds period;
    std::function<void()> fn;
    Clock::time_point due;
    bool running = false;
    bool cancelled = false;
    std::thread::id runner;
  };

  void loop();
  void fire(const std::shared_ptr<Timer>& t);
  void wait_not_running(std::unique_lock<std::mutex>& lock, const std::shared_ptr<Timer>& t);

  mutable std::mutex mu_;
  std::condition_variable cv_;       // scheduler wake-ups
  std::condition_variable done_cv_;  // tick completions (cancel waits on it)
  std::map<uint64_t, std::shared_ptr<Timer>> timers_;
  uint64_t next_id_ = 1;
  bool stopping_ = false;
  ThreadPool executor_;
  std::thread thread_;
};

}  // namespace sgk
