// In-process event bus: publish never delivers inline; each subscription has its own FIFO
// drained on the kernel event pool, so deliveries to one subscriber are ordered and a slow
// or throwing subscriber never delays the others. Queues are bounded (drop + count + warn).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics_registry.hpp"
#include "result.hpp"
#include "thread_pool.hpp"

namespace sgk {

class EventBus {
 public:
  // Called with (topic, json); exceptions are caught and counted as failed.
  using Handler = std::function<void(std::string_view topic, std::string_view json)>;

  struct Options {
    size_t threads = 0;                  // 0 = max(2, hardware threads)
    size_t queue_limit = 10000;          // per subscription
    MetricsRegistry* metrics = nullptr;  // optional: exports per-topic counters
  };

  struct TopicCounters {
    uint64_t published = 0, delivered = 0, failed = 0, dropped = 0;
  };

  explicit EventBus(Options options);
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Validates topic and JSON, then queues the event for every matching subscription.
  Status publish(std::string_view topic, std::string_view json);
  // Returns a non-zero id. `owner` is the plugin id (used by unsubscribe_owner).
  Result<uint64_t> subscribe(const std::string& owner, std::string_view pattern, Handler handler);
  // When it returns, the handler is not running and will not run again — unless called from
  // inside that handler, in which case the current call finishes and no further one starts.
  // `owner` non-empty restricts to that owner's subscriptions. False when unknown.
  bool unsubscribe(uint64_t id, const std::string& owner = {});
  // Ends every subscription of `owner` (plugin stop). Returns how many ended.
  size_t unsubscribe_owner(const std::string& owner);

  // Waits until every queue is empty and nothing runs (tests, shutdown); false on timeout.
  bool wait_idle(std::chrono::milliseconds timeout);
  // Stops the event pool after the queued deliveries ran. Further publishes fail.
  void shutdown();

  std::map<std::string, TopicCounters> counters() const;
  size_t subscription_count() const;

  static bool valid_topic(std::string_view topic);
  static bool valid_pattern(std::string_view pattern);
  static bool matches(std::string_view pattern, std::string_view topic);

 private:
  struct Topic;
  struct Event {
    std::shared_ptr<Topic> topic;
    std::shared_ptr<const std::string> name;
    std::shared_ptr<const std::string> json;
  };
  struct Subscription {
    uint64_t id;
    std::string owner;
    std::string pattern;
    Handler handler;
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Event> queue;
    bool active = true;
    bool scheduled = false;  // a drain task is queued or running
    bool running = false;    // the handler is executing now
    std::thread::id runner;
    uint64_t dropped = 0;
    std::chrono::steady_clock::time_point last_drop_warning{};
  };

  std::shared_ptr<Topic> topic(std::string_view name);
  void drain(const std::shared_ptr<Subscription>& sub);
  void end(const std::shared_ptr<Subscription>& sub);

  Options options_;
  ThreadPool pool_;
  std::atomic<uint64_t> next_id_{1};
  std::atomic<bool> stopped_{false};
  mutable std::shared_mutex subs_mu_;
  std::vector<std::shared_ptr<Subscription>> subs_;
  mutable std::mutex topics_mu_;
  std::map<std::string, std::shared_ptr<Topic>, std::less<>> topics_;
  std::atomic<int64_t> pending_{0};  // events queued or being delivered, for wait_idle
  std::mutex idle_mu_;
  std::condition_variable idle_cv_;
};

}  // namespace sgk
