// One dedicated thread with a bounded queue for the monitor's kernel queries.
//
// Why not the kernel's blocking pool: that pool is shared and bounded, and long jobs
// (database work, transcoding) can fill it; a readiness probe stuck behind them would time
// out and get a healthy instance restarted. A full queue is refused at once instead, so a
// wedged health() somewhere shows up as fast 503s, not piled-up connections.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace sg::monitor {

class QueryThread {
 public:
  explicit QueryThread(size_t max_queue) : max_queue_(max_queue) {}
  ~QueryThread() { stop(); }
  QueryThread(const QueryThread&) = delete;
  QueryThread& operator=(const QueryThread&) = delete;

  void start();
  // Queues `task`; false (task not queued) when stopped or max_queue tasks are waiting.
  bool post(std::function<void()> task);
  // Runs what is already queued, then joins. Idempotent.
  void stop();

 private:
  void run();

  const size_t max_queue_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool accepting_ = false;
  std::thread thread_;
};

}  // namespace sg::monitor
