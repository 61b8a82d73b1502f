#include "query_thread.hpp"

namespace sg::monitor {

void QueryThread::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  accepting_ = true;
  thread_ = std::thread([this] { run(); });
}

bool QueryThread::post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (!accepting_ || queue_.size() >= max_queue_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void QueryThread::stop() {
  {
    std::lock_guard lock(mu_);
    accepting_ = false;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void QueryThread::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return !queue_.empty() || !accepting_; });
    if (queue_.empty()) return;  // stopped and drained
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      task();
    } catch (...) {
      // Tasks answer their own errors; one failure must not end the thread.
    }
    task = nullptr;  // release captures (e.g. exchange references) outside the lock
    lock.lock();
  }
}

}  // namespace sg::monitor
