#include "yaml_json.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <regex>

#include "expand_vars.hpp"

namespace sgk {

namespace {

std::string join_key(const std::string& prefix, const std::string& k) {
  return prefix.empty() ? k : prefix + "." + k;
}

}  // namespace

nlohmann::json typed_scalar(std::string_view text, bool quoted) {
  if (quoted) return std::string(text);
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  static const std::regex int_re("[-+]?[0-9]+");
  static const std::regex float_re("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  std::string s(text);
  if (std::regex_match(s, int_re)) {
    const char* b = s.data() + (s[0] == '+' ? 1 : 0);
    int64_t v = 0;
    auto [p, ec] = std::from_chars(b, s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size()) return v;
    return s;  // out of range: keep the text rather than invent a value
  }
  if (std::regex_match(s, float_re)) {
    try {
      return std::stod(s);
    } catch (const std::exception&) {
      return s;
    }
  }
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf") {
    return std::numeric_limits<double>::infinity();
  }
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -std::numeric_limits<double>::infinity();
  return s;
}

Result<nlohmann::json> yaml_to_json(const YAML::Node& node, const std::string& key, SourceMap& map,
                                    const Environment& env) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nlohmann::json(nullptr);
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      // yaml-cpp tags plain scalars "?" and quoted ones "!".
      bool quoted = node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str";
      if (text.find("${") == std::string::npos) return typed_scalar(text, quoted);
      auto expanded = expand_vars(text, env);
      if (!expanded) {
        return fail(map.where(key) + ": key '" + key + "': " + expanded.error());
      }
      if (!quoted && is_single_reference(text)) return typed_scalar(expanded.value(), false);
      return nlohmann::json(std::move(expanded).value());
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json arr = nlohmann::json::array();
      size_t i = 0;
      for (const auto& item : node) {
        std::string k = join_key(key, std::to_string(i++));
        map.lines[k] = item.Mark().line + 1;
        auto v = yaml_to_json(item, k, map, env);
        if (!v) return v;
        arr.push_back(std::move(v).value());
      }
      return arr;
    }
    case YAML::NodeType::Map: {
      nlohmann::json obj = nlohmann::json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          return fail(map.file + ":" + std::to_string(kv.first.Mark().line + 1) + ": key under '" +
                      key + "' must be a plain string");
        }
        const std::string& name = kv.first.Scalar();
        std::string k = join_key(key, name);
        int line = kv.first.Mark().line + 1;
        if (obj.contains(name)) {
          return fail(map.file + ":" + std::to_string(line) + ": duplicate key '" + k + "'");
        }
        map.lines[k] = line;
        auto v = yaml_to_json(kv.second, k, map, env);
        if (!v) return v;
        obj[name] = std::move(v).value();
      }
      return obj;
    }
  }
  return nlohmann::json(nullptr);
}

Result<YAML::Node> parse_yaml(const std::string& text, const std::string& origin) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return fail(origin + ":" + std::to_string(e.mark.line + 1) + ":" +
                std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
}

}  // namespace sgk
