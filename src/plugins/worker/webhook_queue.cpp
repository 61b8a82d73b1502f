#include "webhook_queue.hpp"

namespace sg::worker {

void WebhookQueue::start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void WebhookQueue::stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::lock_guard lock(mu_);
  running_ = false;
}

bool WebhookQueue::push(PublicEvent event) {
  {
    std::lock_guard lock(mu_);
    if (!running_ || stopping_ || queue_.size() >= limit_) return false;
    queue_.push_back(std::move(event));
  }
  cv_.notify_one();
  return true;
}

size_t WebhookQueue::depth() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WebhookQueue::loop() {
  for (;;) {
    PublicEvent event;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      // On stop the queue is drained first: those events were accepted from the bus.
      if (queue_.empty()) return;
      event = std::move(queue_.front());
      queue_.pop_front();
    }
    handle_(event);  // must not throw (Webhooks::fan_out catches)
  }
}

}  // namespace sg::worker
