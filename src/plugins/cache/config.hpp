// plugins.cache configuration: parsed and validated up front so that a typo or a bad value
// stops start-up with a message naming the key, instead of surfacing later as odd behaviour.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "memory_backend.hpp"
#include "redis_backend.hpp"

namespace sg::cache {

enum class BackendKind { kMemory, kRedis };

struct CacheConfig {
  BackendKind backend = BackendKind::kMemory;
  MemoryOptions memory;
  std::chrono::milliseconds sweep_interval{1000};  // memory: periodic expiry sweep
  RedisOptions redis;
};

// Parses the plugins.cache section. On error returns std::nullopt and sets *error to a
// message naming the offending key (never echoing a redis password).
std::optional<CacheConfig> parse_config(const nlohmann::json& section, std::string* error);

}  // namespace sg::cache
