#include "events.hpp"

#include <algorithm>

#include "webhook_topics.hpp"

namespace sg::worker {

std::vector<Subscription> subscribe_events(Context& ctx) {
  std::vector<Subscription> subs;
  Webhooks* hooks = ctx.webhooks();
  if (hooks == nullptr) return subs;
  // One subscription for every topic rather than one per prefix: deliveries to a
  // subscription keep publish order, so content.created is queued before the
  // transcode.completed that follows it. The event thread only filters and queues.
  subs.push_back(ctx.host().subscribe("*", [hooks](std::string_view topic, const json& p) {
    const auto& topics = webhook_topics();
    if (std::find(topics.begin(), topics.end(), topic) != topics.end()) hooks->on_event(topic, p);
  }));
  return subs;
}

}  // namespace sg::worker
