#include "event_bus.hpp"

#include <algorithm>

#include "log.hpp"

namespace sgk {

// Per-topic counters; metrics handles are optional.
struct EventBus::Topic {
  std::atomic<uint64_t> published{0}, delivered{0}, failed{0}, dropped{0};
  sg_metric* m_published = nullptr;
  sg_metric* m_delivered = nullptr;
  sg_metric* m_failed = nullptr;
  sg_metric* m_dropped = nullptr;
};

namespace {

// How many events one drain task delivers before yielding its thread to other
// subscriptions (fairness between busy subscribers).
constexpr size_t kDrainBatch = 64;

size_t default_threads() {
  unsigned hw = std::thread::hardware_concurrency();
  return std::max<size_t>(2, hw);
}

thread_local uint64_t t_current_subscription = 0;

}  // namespace

EventBus::EventBus(Options options)
    : options_(options),
      pool_("sg-event", options.threads != 0 ? options.threads : default_threads()) {}

EventBus::~EventBus() {
  shutdown();
}

bool EventBus::valid_topic(std::string_view topic) {
  if (topic.empty() || topic.size() > 200 || topic.front() == '.' || topic.back() == '.') {
    return false;
  }
  char prev = 0;
  for (char c : topic) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return false;
    prev = c;
  }
  return true;
}

bool EventBus::valid_pattern(std::string_view pattern) {
  if (pattern == "*") return true;
  if (pattern.size() > 2 && pattern.substr(pattern.size() - 2) == ".*") {
    return valid_topic(pattern.substr(0, pattern.size() - 2));
  }
  return valid_topic(pattern);
}

bool EventBus::matches(std::string_view pattern, std::string_view topic) {
  if (pattern == "*") return true;
  if (pattern.size() > 2 && pattern.substr(pattern.size() - 2) == ".*") {
    auto prefix = pattern.substr(0, pattern.size() - 1);  // keeps the dot
    return topic.size() > prefix.size() && topic.substr(0, prefix.size()) == prefix;
  }
  return pattern == topic;
}

std::shared_ptr<EventBus::Topic> EventBus::topic(std::string_view name) {
  std::lock_guard lock(topics_mu_);
  auto it = topics_.find(name);
  if (it != topics_.end()) return it->second;
  auto t = std::make_shared<Topic>();
  if (options_.metrics != nullptr) {
    MetricsRegistry::Labels labels{{"topic", std::string(name)}};
    auto get = [&](const char* metric, const char* help) -> sg_metric* {
      auto r = options_.metrics->get(SG_METRIC_COUNTER, metric, help, labels);
      return r ? r.value() : nullptr;
    };
    t->m_published = get("streamgate_events_published_total", "Events published, by topic.");
    t->m_delivered = get("streamgate_events_delivered_total",
                         "Event deliveries that completed, by topic (one per subscriber).");
    t->m_failed =
        get("streamgate_events_failed_total", "Event deliveries whose subscriber threw, by topic.");
    t->m_dropped = get("streamgate_events_dropped_total",
                       "Event deliveries dropped because a subscriber queue was full, by topic.");
  }
  topics_.emplace(std::string(name), t);
  return t;
}

Status EventBus::publish(std::string_view topic_name, std::string_view json) {
  if (stopped_) return fail("event bus is shut down");
  if (!valid_topic(topic_name)) {
    return fail("invalid topic '" + std::string(topic_name) +
                "' (dot-separated lowercase words, e.g. upload.completed)");
  }
  if (!nlohmann::json::accept(json)) {
    return fail("payload of '" + std::string(topic_name) + "' is not valid JSON");
  }
  auto t = topic(topic_name);
  t->published.fetch_add(1, std::memory_order_relaxed);
  MetricsRegistry::add(t->m_published, 1);

  Event ev{t, std::make_shared<const std::string>(topic_name),
           std::make_shared<const std::string>(json)};
  std::shared_lock lock(subs_mu_);
  for (const auto& sub : subs_) {
    if (!matches(sub->pattern, topic_name)) continue;
    bool schedule = false;
    {
      std::lock_guard sl(sub->mu);
      if (!sub->active) continue;
      if (sub->queue.size() >= options_.queue_limit) {
        t->dropped.fetch_add(1, std::memory_order_relaxed);
        MetricsRegistry::add(t->m_dropped, 1);
        ++sub->dropped;
        auto now = std::chrono::steady_clock::now();
        // At most one warning per second per subscription: a flood must not flood the log.
        if (now - sub->last_drop_warning >= std::chrono::seconds(1)) {
          sub->last_drop_warning = now;
          logging::get(sub->owner)
              ->warn(
                  "event queue of subscription {} ('{}') is full ({} events): dropped '{}' ({} "
                  "dropped "
                  "so far)",
                  sub->id, sub->pattern, options_.queue_limit, topic_name, sub->dropped);
        }
        continue;
      }
      sub->queue.push_back(ev);
      pending_.fetch_add(1);
      if (!sub->scheduled) {
        sub->scheduled = true;
        schedule = true;
      }
    }
    if (schedule && !pool_.post([this, sub] { drain(sub); })) {
      std::lock_guard sl(sub->mu);
      pending_.fetch_sub(static_cast<int64_t>(sub->queue.size()));
      sub->queue.clear();
      sub->scheduled = false;
      sub->cv.notify_all();
    }
  }
  return ok_status();
}

void EventBus::drain(const std::shared_ptr<Subscription>& sub) {
  for (size_t n = 0; n < kDrainBatch; ++n) {
    Event ev;
    {
      std::lock_guard lock(sub->mu);
      if (!sub->active || sub->queue.empty()) {
        sub->scheduled = false;
        sub->cv.notify_all();
        idle_cv_.notify_all();
        return;
      }
      ev = std::move(sub->queue.front());
      sub->queue.pop_front();
      sub->running = true;
      sub->runner = std::this_thread::get_id();
    }
    bool ok = true;
    t_current_subscription = sub->id;
    try {
      sub->handler(*ev.name, *ev.json);
    } catch (const std::exception& e) {
      ok = false;
      logging::get(sub->owner)
          ->error("subscriber {} of '{}' threw: {}", sub->id, *ev.name, e.what());
    } catch (...) {
      ok = false;
      logging::get(sub->owner)
          ->error("subscriber {} of '{}' threw a non-standard exception", sub->id, *ev.name);
    }
    t_current_subscription = 0;
    if (ok) {
      ev.topic->delivered.fetch_add(1, std::memory_order_relaxed);
      MetricsRegistry::add(ev.topic->m_delivered, 1);
    } else {
      ev.topic->failed.fetch_add(1, std::memory_order_relaxed);
      MetricsRegistry::add(ev.topic->m_failed, 1);
    }
    {
      std::lock_guard lock(sub->mu);
      sub->running = false;
      pending_.fetch_sub(1);
      sub->cv.notify_all();
    }
    idle_cv_.notify_all();
  }
  // Batch done: requeue behind other subscriptions' work instead of hogging the thread.
  if (!pool_.post([this, sub] { drain(sub); })) {
    std::lock_guard lock(sub->mu);
    pending_.fetch_sub(static_cast<int64_t>(sub->queue.size()));
    sub->queue.clear();
    sub->scheduled = false;
    sub->cv.notify_all();
  }
}

Result<uint64_t> EventBus::subscribe(const std::string& owner, std::string_view pattern,
                                     Handler handler) {
  if (stopped_) return fail("event bus is shut down");
  if (!valid_pattern(pattern)) {
    return fail("invalid subscription pattern '" + std::string(pattern) +
                "' (a topic, 'prefix.*' or '*')");
  }
  if (!handler) return fail("subscription handler is null");
  auto sub = std::make_shared<Subscription>();
  sub->id = next_id_.fetch_add(1);
  sub->owner = owner;
  sub->pattern = std::string(pattern);
  sub->handler = std::move(handler);
  std::unique_lock lock(subs_mu_);
  subs_.push_back(sub);
  return sub->id;
}

void EventBus::end(const std::shared_ptr<Subscription>& sub) {
  std::unique_lock lock(sub->mu);
  sub->active = false;
  pending_.fetch_sub(static_cast<int64_t>(sub->queue.size()));
  sub->queue.clear();
  idle_cv_.notify_all();
  bool inside = sub->running && sub->runner == std::this_thread::get_id() &&
                t_current_subscription == sub->id;
  if (inside) return;  // the current call finishes; no further one starts (active=false)
  sub->cv.wait(lock, [&] { return !sub->running; });
}

bool EventBus::unsubscribe(uint64_t id, const std::string& owner) {
  std::shared_ptr<Subscription> found;
  {
    std::unique_lock lock(subs_mu_);
    auto it = std::find_if(subs_.begin(), subs_.end(), [&](const auto& s) {
      return s->id == id && (owner.empty() || s->owner == owner);
    });
    if (it == subs_.end()) return false;
    found = *it;
    subs_.erase(it);
  }
  end(found);
  return true;
}

size_t EventBus::unsubscribe_owner(const std::string& owner) {
  std::vector<std::shared_ptr<Subscription>> ended;
  {
    std::unique_lock lock(subs_mu_);
    auto it = std::stable_partition(subs_.begin(), subs_.end(),
                                    [&](const auto& s) { return s->owner != owner; });
    ended.assign(it, subs_.end());
    subs_.erase(it, subs_.end());
  }
  for (const auto& s : ended) end(s);
  return ended.size();
}

bool EventBus::wait_idle(std::chrono::milliseconds timeout) {
  // Short waits instead of one long one: notifications are sent without idle_mu_ held, so a
  // wake-up could slip between the check and the wait.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(idle_mu_);
  while (pending_.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    idle_cv_.wait_for(lock, std::chrono::milliseconds(5));
  }
  return true;
}

void EventBus::shutdown() {
  stopped_ = true;
  pool_.shutdown();
}

std::map<std::string, EventBus::TopicCounters> EventBus::counters() const {
  std::map<std::string, TopicCounters> out;
  std::lock_guard lock(topics_mu_);
  for (const auto& [name, t] : topics_) {
    out[name] = TopicCounters{t->published.load(), t->delivered.load(), t->failed.load(),
                              t->dropped.load()};
  }
  return out;
}

size_t EventBus::subscription_count() const {
  std::shared_lock lock(subs_mu_);
  return subs_.size();
}

}  // namespace sgk
