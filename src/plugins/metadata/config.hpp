// plugins.metadata: the read-through cache's TTL.
#pragma once

#include <cstdint>

#include <streamgate/plugin.hpp>

namespace sg::metadata {

struct MetadataConfig {
  uint64_t cache_ttl_ms = 30000;  // 0 = no cache
};

// Parses plugins.metadata; unknown keys and bad values are errors naming the key.
MetadataConfig parse_config(const json& section);

}  // namespace sg::metadata
