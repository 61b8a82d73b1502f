#include "redis_pipeline.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace sg::cache {

RedisPipeline::RedisPipeline(BatchRunner runner, size_t max_batch)
    : runner_(std::move(runner)), max_batch_(std::max<size_t>(1, max_batch)) {
  thread_ = std::thread([this] { loop(); });
}

RedisPipeline::~RedisPipeline() {
  stop();
}

void RedisPipeline::submit(PipelinedCommand command) {
  std::unique_lock lock(mu_);
  if (stopping_) {
    lock.unlock();
    command.done(nullptr, "cache is stopped");
    return;
  }
  queue_.push_back(std::move(command));
  const bool wake = idle_;
  idle_ = false;
  lock.unlock();
  if (wake) cv_.notify_one();
}

void RedisPipeline::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void RedisPipeline::loop() {
  std::vector<PipelinedCommand> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      while (queue_.empty() && !stopping_) {
        idle_ = true;
        cv_.wait(lock);
      }
      idle_ = false;
      if (queue_.empty()) return;  // stopping, and everything accepted has been completed
      if (queue_.size() <= max_batch_) {
        batch.swap(queue_);
      } else {
        auto end = queue_.begin() + static_cast<std::ptrdiff_t>(max_batch_);
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
        queue_.erase(queue_.begin(), end);
      }
    }
    runner_(batch);
    batch.clear();
  }
}

}  // namespace sg::cache
