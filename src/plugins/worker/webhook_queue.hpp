// The hand-off between bus events and webhook fan-out: event threads must not block, while
// matching an event to endpoints and writing its deliveries is SQL. A bounded in-memory
// queue drained by one thread of the worker plugin's own; when it is full (the database is
// far behind) events are dropped and counted, never waited for.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "webhook_event.hpp"

namespace sg::worker {

class WebhookQueue {
 public:
  using Handle = std::function<void(const PublicEvent&)>;

  WebhookQueue(size_t limit, Handle handle) : limit_(limit), handle_(std::move(handle)) {}
  ~WebhookQueue() { stop(); }
  WebhookQueue(const WebhookQueue&) = delete;
  WebhookQueue& operator=(const WebhookQueue&) = delete;

  void start();
  // Handles what is queued, then joins the thread.
  void stop();
  // False (and the event dropped) when the queue is full or stopped.
  bool push(PublicEvent event);
  size_t depth() const;

 private:
  void loop();

  const size_t limit_;
  Handle handle_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PublicEvent> queue_;
  bool running_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sg::worker
