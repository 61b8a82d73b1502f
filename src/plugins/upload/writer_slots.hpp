// Caps how many blocking-pool threads the upload writers hold at once.
//
// Body writes run on the kernel's blocking pool, which the API shares (database calls,
// sign-in). On a slow disk each writer sits in fdatasync for long stretches; without a cap,
// a burst of uploads would take every pool thread and stall the rest of the server. Tasks
// beyond the cap wait here in FIFO order and run on the pool thread of a task that ends, so
// the number of pool threads held never exceeds the cap. A long writer must yield (finish
// its task and submit again) to let waiting ones in. Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace sg::upload {

class WriterSlots : public std::enable_shared_from_this<WriterSlots> {
 public:
  using Task = std::function<void()>;
  // run_on_pool starts a task on the pool; it throws when the pool refuses (shutting down).
  WriterSlots(size_t max_active, std::function<void(Task)> run_on_pool);

  // Runs `task` on the pool now when a slot is free, else after the tasks queued before it.
  // Throws what run_on_pool throws; the task is then not run.
  void submit(Task task);

  // True when tasks wait for a slot: a long writer then yields.
  bool has_waiting();
  size_t max_active() const noexcept { return max_; }

 private:
  void run(Task task);  // on the pool: `task`, then queued ones, then frees the slot

  const size_t max_;
  std::function<void(Task)> run_on_pool_;
  std::mutex mu_;
  size_t active_ = 0;  // slots taken (pool threads held)
  std::deque<Task> waiting_;
};

}  // namespace sg::upload
