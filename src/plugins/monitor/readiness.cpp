#include "readiness.hpp"

namespace sg::monitor {
namespace {

using json = nlohmann::json;

std::string string_field(const json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Healthy unless the entry (or its health object) says "healthy": false. A started plugin
// whose health could not be read is reported by the kernel with healthy=false.
bool entry_healthy(const json& entry) {
  auto it = entry.find("healthy");
  if (it != entry.end() && it->is_boolean()) return it->get<bool>();
  auto h = entry.find("health");
  if (h != entry.end() && h->is_object()) {
    auto hh = h->find("healthy");
    if (hh != h->end() && hh->is_boolean()) return hh->get<bool>();
  }
  return true;
}

std::string unhealthy_reason(const json& entry) {
  auto h = entry.find("health");
  if (h != entry.end() && h->is_object()) {
    for (const char* key : {"reason", "message", "error", "status"}) {
      std::string s = string_field(*h, key);
      if (!s.empty()) return "unhealthy: " + s;
    }
  }
  return "health check reported unhealthy";
}

}  // namespace

bool plugin_is_up(const json& entry, std::string_view self_id) {
  if (!entry.is_object()) return false;
  if (string_field(entry, "state") != "started") return false;
  return string_field(entry, "id") == self_id || entry_healthy(entry);
}

Readiness evaluate_readiness(const json& describe, std::string_view self_id) {
  Readiness r;
  if (!describe.is_array()) {
    r.ready = false;
    r.failing.push_back({"kernel", "", "plugins_describe returned no plugin list", nullptr});
    return r;
  }
  r.plugin_count = describe.size();
  for (const json& entry : describe) {
    if (!entry.is_object()) continue;
    std::string id = string_field(entry, "id");
    std::string state = string_field(entry, "state");
    json health = entry.contains("health") ? entry["health"] : json(nullptr);
    if (state != "started") {
      r.failing.push_back(
          {id, state, "plugin is " + (state.empty() ? "in an unknown state" : state), health});
    } else if (id != self_id && !entry_healthy(entry)) {
      r.failing.push_back({id, state, unhealthy_reason(entry), health});
    }
  }
  r.ready = r.failing.empty();
  return r;
}

json readiness_body(const Readiness& r) {
  if (r.ready) return json{{"status", "ready"}, {"plugins", r.plugin_count}};
  json failing = json::array();
  std::string ids;
  for (const auto& p : r.failing) {
    failing.push_back(
        {{"id", p.id}, {"state", p.state}, {"reason", p.reason}, {"health", p.health}});
    ids += ids.empty() ? p.id : ", " + p.id;
  }
  return json{{"status", "not_ready"},
              {"error", {{"code", "not_ready"}, {"message", "plugins not ready: " + ids}}},
              {"failing", std::move(failing)}};
}

}  // namespace sg::monitor
