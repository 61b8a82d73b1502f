// STREAMGATE__A__B=value environment overrides of configuration keys.
#pragma once

#include <nlohmann/json.hpp>

#include "config_source.hpp"
#include "result.hpp"

namespace sgk {

// Applies every STREAMGATE__A__B[__C...] variable to `tree`: segments are lower-cased and
// joined with dots; when the first segment is not a top-level key (server, logging,
// database, plugins) it is a plugin id, so STREAMGATE__GATEWAY__PORT sets
// plugins.gateway.port. Values are parsed as YAML (scalars typed, flow lists allowed) and
// ${VAR}-expanded. Records each key's origin in `map` for error messages.
Status apply_env_overrides(nlohmann::json& tree, const Environment& env, SourceMap& map);

}  // namespace sgk
