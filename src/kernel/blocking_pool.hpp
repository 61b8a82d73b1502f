// The kernel's bounded pool for blocking work (libpq, SQLite, disk, RPC), with per-plugin
// accounting so that a stopping plugin's new tasks are refused and its destroy() waits for
// the ones already running.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include <streamgate/plugin.h>

#include "thread_pool.hpp"

namespace sgk {

class BlockingPool {
 public:
  BlockingPool(size_t threads, size_t max_queue);

  // SG_OK, SG_ERR_CANCELLED (owner stopping), SG_ERR_LIMIT (queue full) or
  // SG_ERR_UNAVAILABLE (pool shut down). On error the task is not run.
  sg_status submit(const std::string& owner, std::function<void()> task);
  // From now on tasks of `owner` are refused with SG_ERR_CANCELLED.
  void refuse(const std::string& owner);
  // Waits until no task of `owner` is queued or running; false on timeout.
  bool wait_idle(const std::string& owner, std::chrono::milliseconds timeout);
  void shutdown();

  size_t threads() const noexcept { return pool_.threads(); }
  size_t queued() const { return pool_.queued(); }
  size_t running() const { return pool_.running(); }

 private:
  struct Owner {
    bool refused = false;
    size_t outstanding = 0;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Owner> owners_;
  ThreadPool pool_;
};

}  // namespace sgk
