#include "timers.hpp"

#include <pthread.h>

#include <vector>

#include "log.hpp"

namespace sgk {

namespace {
thread_local uint64_t t_current_timer = 0;
}

TimerService::TimerService(size_t executor_threads)
    : executor_("sg-timer", executor_threads), thread_([this] { loop(); }) {}

TimerService::~TimerService() {
  shutdown();
}

Result<uint64_t> TimerService::start(const std::string& owner, std::chrono::milliseconds delay,
                                     std::chrono::milliseconds period, std::function<void()> fn) {
  if (!fn) return fail("timer function is null");
  if (delay.count() < 0 || period.count() < 0) return fail("timer delay/period must be >= 0");
  auto t = std::make_shared<Timer>();
  t->owner = owner;
  t->period = period;
  t->fn = std::move(fn);
  t->due = Clock::now() + delay;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return fail("timer service is shut down");
    t->id = next_id_++;
    timers_.emplace(t->id, t);
  }
  cv_.notify_all();
  return t->id;
}

void TimerService::loop() {
  pthread_setname_np(pthread_self(), "sg-timers");
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = Clock::now();
    auto next = Clock::time_point::max();
    std::vector<std::shared_ptr<Timer>> due;
    for (auto& [id, t] : timers_) {
      if (t->running || t->cancelled) continue;  // rescheduled when the tick finishes
      if (t->due <= now) {
        due.push_back(t);
      } else if (t->due < next) {
        next = t->due;
      }
    }
    for (auto& t : due) {
      t->running = true;
      if (!executor_.post([this, t] { fire(t); })) {
        t->running = false;
        t->cancelled = true;
        timers_.erase(t->id);
      }
    }
    if (!due.empty()) continue;
    if (next == Clock::time_point::max()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, next);
    }
  }
}

void TimerService::fire(const std::shared_ptr<Timer>& t) {
  {
    std::lock_guard lock(mu_);
    t->runner = std::this_thread::get_id();
    if (t->cancelled) {
      t->running = false;
      done_cv_.notify_all();
      return;
    }
  }
  t_current_timer = t->id;
  try {
    t->fn();
  } catch (const std::exception& e) {
    logging::get(t->owner)->error("timer {} threw: {}", t->id, e.what());
  } catch (...) {
    logging::get(t->owner)->error("timer {} threw a non-standard exception", t->id);
  }
  t_current_timer = 0;
  {
    std::lock_guard lock(mu_);
    t->running = false;
    if (t->cancelled || t->period.count() == 0) {
      t->cancelled = true;
      timers_.erase(t->id);
    } else {
      // Fixed rate, but never in the past: ticks missed while this one ran are skipped.
      t->due += t->period;
      auto now = Clock::now();
      if (t->due < now) t->due = now;
    }
  }
  done_cv_.notify_all();
  cv_.notify_all();
}

void TimerService::wait_not_running(std::unique_lock<std::mutex>& lock,
                                    const std::shared_ptr<Timer>& t) {
  bool inside = t->running && t->runner == std::this_thread::get_id() && t_current_timer == t->id;
  if (inside) return;
  done_cv_.wait(lock, [&] { return !t->running; });
}

bool TimerService::cancel(uint64_t id, const std::string& owner) {
  std::unique_lock lock(mu_);
  auto it = timers_.find(id);
  if (it == timers_.end() || (!owner.empty() && it->second->owner != owner)) return false;
  auto t = it->second;
  t->cancelled = true;
  timers_.erase(it);
  wait_not_running(lock, t);
  return true;
}

size_t TimerService::cancel_owner(const std::string& owner) {
  std::unique_lock lock(mu_);
  std::vector<std::shared_ptr<Timer>> ended;
  for (auto it = timers_.begin(); it != timers_.end();) {
    if (it->second->owner == owner) {
      it->second->cancelled = true;
      ended.push_back(it->second);
      it = timers_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& t : ended) wait_not_running(lock, t);
  return ended.size();
}

size_t TimerService::active() const {
  std::lock_guard lock(mu_);
  return timers_.size();
}

void TimerService::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    for (auto& [id, t] : timers_) t->cancelled = true;
    timers_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  executor_.shutdown();
}

}  // namespace sgk
