#include "config.hpp"

#include <streamgate/plugin.hpp>

namespace sg::monitor {
namespace {

// A scraper's password is guessed online; 128 bits keeps that hopeless.
constexpr std::size_t kMinTokenBytes = 16;

[[noreturn]] void bad(const std::string& key, const std::string& why) {
  throw sg::Error(SG_ERR_INVALID, "plugins.monitor." + key + " " + why);
}

void parse_metrics(const nlohmann::json& m, bool dev_mode, MonitorConfig& cfg) {
  if (m.is_null()) return;
  if (!m.is_object()) bad("metrics", "must be a mapping");
  for (const auto& [key, value] : m.items()) {
    if (key == "token") {
      if (!value.is_string()) bad("metrics.token", "must be a string");
      cfg.metrics_token = value.get<std::string>();
      if (!cfg.metrics_token.empty() && cfg.metrics_token.size() < kMinTokenBytes && !dev_mode)
        bad("metrics.token", "is shorter than 16 bytes; use a long random value");
    } else if (key == "allow") {
      if (!value.is_array()) bad("metrics.allow", "must be a list of addresses or CIDR networks");
      for (const auto& v : value) {
        auto n = v.is_string() ? net::parse_network(v.get<std::string>()) : std::nullopt;
        if (!n)
          bad("metrics.allow", "has '" + (v.is_string() ? v.get<std::string>() : v.dump()) +
                                   "', which is not an IP address or CIDR network");
        cfg.metrics_allow.push_back(*n);
      }
    } else {
      bad("metrics", "has an unknown key '" + key + "'");
    }
  }
}

std::uint64_t positive(const nlohmann::json& v, const std::string& key, std::uint64_t max) {
  if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::uint64_t>() > max)
    bad(key, "must be a whole number from 1 to " + std::to_string(max));
  return v.get<std::uint64_t>();
}

void parse_events(const nlohmann::json& e, MonitorConfig& cfg) {
  if (e.is_null()) return;
  if (!e.is_object()) bad("events", "must be a mapping");
  auto& ev = cfg.events;
  for (const auto& [key, value] : e.items()) {
    if (key == "enabled") {
      if (!value.is_boolean()) bad("events.enabled", "must be true or false");
      ev.enabled = value.get<bool>();
    } else if (key == "heartbeat_seconds") {
      ev.heartbeat = std::chrono::seconds(positive(value, "events.heartbeat_seconds", 300));
    } else if (key == "replay_events") {
      ev.limits.replay_events = positive(value, "events.replay_events", 100000);
    } else if (key == "replay_seconds") {
      ev.limits.replay_age = std::chrono::seconds(positive(value, "events.replay_seconds", 86400));
    } else if (key == "max_connections") {
      ev.limits.max_streams = positive(value, "events.max_connections", 1000000);
    } else {
      bad("events", "has an unknown key '" + key + "'");
    }
  }
}

}  // namespace

MonitorConfig parse_config(const nlohmann::json& section, bool dev_mode) {
  MonitorConfig cfg;
  if (section.is_null()) return cfg;
  if (!section.is_object()) throw sg::Error(SG_ERR_INVALID, "plugins.monitor must be a mapping");
  for (const auto& [key, value] : section.items()) {
    if (key == "enabled") continue;  // read by the kernel
    if (key == "admin_allow_loopback") {
      if (!value.is_boolean()) bad("admin_allow_loopback", "must be true or false");
      cfg.admin_allow_loopback = value.get<bool>();
      continue;
    }
    if (key == "metrics") {
      parse_metrics(value, dev_mode, cfg);
      continue;
    }
    if (key == "events") {
      parse_events(value, cfg);
      continue;
    }
    throw sg::Error(SG_ERR_INVALID, "plugins.monitor: unknown key '" + key + "'");
  }
  return cfg;
}

}  // namespace sg::monitor
