// A fixed set of pool threads over one FIFO queue, optionally bounded.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sgk {

class ThreadPool {
 public:
  // `max_queue` 0 = unbounded. `name` names the threads (visible in top/gdb).
  ThreadPool(std::string name, size_t threads, size_t max_queue = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues a task; false when the queue is full or the pool has shut down (the task is then
  // not run). Tasks must not throw (a throwing task is caught and counted, not rethrown).
  bool post(std::function<void()> task);

  // Runs what is queued, then joins the threads. Further posts are refused. Idempotent.
  void shutdown();

  size_t threads() const noexcept { return workers_.size(); }
  size_t queued() const;
  size_t running() const;

 private:
  void work(size_t index);

  std::string name_;
  size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace sgk
