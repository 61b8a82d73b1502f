#include "config.hpp"

#include <string>

namespace sg::metadata {

MetadataConfig parse_config(const json& config) {
  MetadataConfig c;
  if (!config.is_object()) throw Error(SG_ERR_INVALID, "plugins.metadata: must be a mapping");
  for (auto it = config.begin(); it != config.end(); ++it)
    if (it.key() != "enabled" && it.key() != "cache_ttl_ms")
      throw Error(SG_ERR_INVALID, "plugins.metadata." + it.key() + ": unknown key");
  if (auto it = config.find("cache_ttl_ms"); it != config.end()) {
    constexpr uint64_t kMaxTtl = 24ull * 3600 * 1000;
    if (!it->is_number_unsigned() || it->get<uint64_t>() > kMaxTtl)
      throw Error(SG_ERR_INVALID,
                  "plugins.metadata.cache_ttl_ms: must be an integer from 0 (no cache) to " +
                      std::to_string(kMaxTtl));
    c.cache_ttl_ms = it->get<uint64_t>();
  }
  return c;
}

}  // namespace sg::metadata
