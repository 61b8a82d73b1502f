#include "env_overrides.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "yaml_json.hpp"

namespace sgk {

namespace {

constexpr std::string_view kPrefix = "STREAMGATE__";
constexpr std::array<std::string_view, 4> kTopLevel = {"server", "logging", "database", "plugins"};

std::vector<std::string> split_segments(std::string_view rest) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    auto sep = rest.find("__", start);
    std::string seg(rest.substr(start, sep == std::string_view::npos ? rest.npos : sep - start));
    std::transform(seg.begin(), seg.end(), seg.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.push_back(std::move(seg));
    if (sep == std::string_view::npos) break;
    start = sep + 2;
  }
  return out;
}

}  // namespace

Status apply_env_overrides(nlohmann::json& tree, const Environment& env, SourceMap& map) {
  if (!tree.is_object()) tree = nlohmann::json::object();
  for (const auto& [name, raw] : env) {
    if (name.rfind(kPrefix, 0) != 0 || name.size() == kPrefix.size()) continue;
    auto segments = split_segments(std::string_view(name).substr(kPrefix.size()));
    if (std::any_of(segments.begin(), segments.end(), [](const auto& s) { return s.empty(); })) {
      return fail("environment variable " + name + ": empty key segment");
    }
    if (std::find(kTopLevel.begin(), kTopLevel.end(), segments[0]) == kTopLevel.end()) {
      segments.insert(segments.begin(), "plugins");
    }
    std::string key;
    for (const auto& s : segments) key += (key.empty() ? "" : ".") + s;

    auto doc = parse_yaml(raw, "environment variable " + name);
    if (!doc) return fail(doc.error());
    SourceMap scratch{"environment variable " + name, {}, {}};
    auto value = yaml_to_json(doc.value(), "", scratch, env);
    if (!value) return fail("environment variable " + name + ": " + value.error());

    nlohmann::json* node = &tree;
    std::string path;
    for (size_t i = 0; i + 1 < segments.size(); ++i) {
      path += (path.empty() ? "" : ".") + segments[i];
      if (node->is_null()) *node = nlohmann::json::object();
      if (!node->is_object()) {
        return fail("environment variable " + name + ": key '" + path + "' is not a mapping in " +
                    map.where(path));
      }
      node = &(*node)[segments[i]];
    }
    if (node->is_null()) *node = nlohmann::json::object();
    if (!node->is_object()) {
      return fail("environment variable " + name + ": key '" + path + "' is not a mapping in " +
                  map.where(path));
    }
    (*node)[segments.back()] = std::move(value).value();
    map.env_origin[key] = name;
  }
  return ok_status();
}

}  // namespace sgk
