#include "webhook_event.hpp"

#include <cstdio>

#include "sql/util.hpp"

namespace sg::worker {

EventIds::EventIds() : last_(0), suffix_(sql::uuid_v4().substr(0, 8)) {}

std::string EventIds::next(int64_t now_ms) {
  int64_t candidate = now_ms * 1000;
  int64_t prev = last_.load();
  int64_t value;
  do {
    value = candidate > prev ? candidate : prev + 1;
  } while (!last_.compare_exchange_weak(prev, value));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016lld", static_cast<long long>(value));
  return std::string(buf) + "-" + suffix_;
}

PublicEvent make_public_event(std::string id, std::string_view topic, const nlohmann::json& payload,
                              int64_t now_ms) {
  PublicEvent e;
  e.id = std::move(id);
  e.topic = std::string(topic);
  nlohmann::json data = payload.is_object() ? payload : nlohmann::json::object();
  data.erase("path");
  data.erase("probe");
  if (data.contains("owner") && data["owner"].is_string() &&
      sql::is_address(data["owner"].get<std::string>()))
    e.owner = data["owner"].get<std::string>();
  e.document = nlohmann::json{
      {"id", e.id}, {"topic", e.topic}, {"created_at", sql::rfc3339(now_ms)}, {"data", data}};
  return e;
}

}  // namespace sg::worker
