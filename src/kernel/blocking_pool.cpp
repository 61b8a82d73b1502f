#include "blocking_pool.hpp"

namespace sgk {

BlockingPool::BlockingPool(size_t threads, size_t max_queue)
    : pool_("sg-blocking", threads, max_queue) {}

sg_status BlockingPool::submit(const std::string& owner, std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    auto& o = owners_[owner];
    if (o.refused) return SG_ERR_CANCELLED;
    ++o.outstanding;
  }
  auto wrapped = [this, owner, task = std::move(task)] {
    // Count the task done even if it throws (ThreadPool catches and logs).
    struct Done {
      BlockingPool* self;
      const std::string& owner;
      ~Done() {
        std::lock_guard lock(self->mu_);
        --self->owners_[owner].outstanding;
        self->cv_.notify_all();
      }
    } done{this, owner};
    task();
  };
  if (pool_.post(std::move(wrapped))) return SG_OK;
  std::lock_guard lock(mu_);
  --owners_[owner].outstanding;
  cv_.notify_all();
  return pool_.threads() == 0 ? SG_ERR_UNAVAILABLE : SG_ERR_LIMIT;
}

void BlockingPool::refuse(const std::string& owner) {
  std::lock_guard lock(mu_);
  owners_[owner].refused = true;
}

bool BlockingPool::wait_idle(const std::string& owner, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return owners_[owner].outstanding == 0; });
}

void BlockingPool::shutdown() {
  pool_.shutdown();
}

}  // namespace sgk
