// YAML -> JSON conversion for the configuration, keeping line numbers per key.
#pragma once

#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "config_source.hpp"
#include "result.hpp"

namespace sgk {

// Types a plain (unquoted) YAML scalar as the YAML 1.2 core schema does: null, bool, int,
// float, else string. Quoted scalars are always strings.
nlohmann::json typed_scalar(std::string_view text, bool quoted);

// Converts `node` (found at dotted `key`, "" for the root) to JSON. Records the line of
// every key in `map`, and expands ${VAR} in strings; a plain scalar that is exactly one
// ${VAR} is typed after expansion (so `port: ${PORT}` gives a number).
Result<nlohmann::json> yaml_to_json(const YAML::Node& node, const std::string& key, SourceMap& map,
                                    const Environment& env);

// Parses `text` as a YAML document (a file's contents or one env override value).
Result<YAML::Node> parse_yaml(const std::string& text, const std::string& origin);

}  // namespace sgk
