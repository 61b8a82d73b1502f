// Readiness: every loaded plugin is "started" and reports healthy. Evaluated from the
// host's plugins_describe() JSON, so it needs no host API and is unit-tested directly.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sg::monitor {

struct PluginProblem {
  std::string id;
  std::string state;
  std::string reason;
  nlohmann::json health;  // what the plugin said, shown as-is (null when not asked)
};

struct Readiness {
  bool ready = true;
  size_t plugin_count = 0;
  std::vector<PluginProblem> failing;
};

// `self_id` names the calling plugin: the kernel does not call the caller's own health(),
// so only its state counts.
Readiness evaluate_readiness(const nlohmann::json& describe, std::string_view self_id);

// 200 body: {"status":"ready","plugins":n}; 503 body additionally carries the house error
// object plus "failing":[{"id","state","reason","health"}].
nlohmann::json readiness_body(const Readiness& r);

// A plugin counts as up when it is started and healthy (the streamgate_plugin_up gauge).
bool plugin_is_up(const nlohmann::json& entry, std::string_view self_id);

}  // namespace sg::monitor
