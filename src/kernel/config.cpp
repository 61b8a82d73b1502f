#include "config.hpp"

#include <array>
#include <fstream>
#include <set>
#include <sstream>

#include "env_overrides.hpp"
#include "yaml_json.hpp"

namespace sgk {

namespace {

using nlohmann::json;

const std::array<std::string, 6> kLevels = {"trace", "debug", "info", "warn", "error", "critical"};

// Validates one section against its schema and fills defaults. `errors` gets the first
// problem only: the operator fixes one thing at a time, and one line is easy to read.
class Validator {
 public:
  explicit Validator(const SourceMap& map) : map_(map) {}

  Status fail_at(const std::string& key, const std::string& what) const {
    return fail(map_.where(key) + ": key '" + key + "' " + what);
  }

  Status require_mapping(json& node, const std::string& key) const {
    if (node.is_null()) node = json::object();
    if (!node.is_object()) return fail_at(key, "must be a mapping (got " + type_name(node) + ")");
    return ok_status();
  }

  Status known_keys(const json& node, const std::string& key,
                    const std::set<std::string>& allowed) const {
    for (const auto& [k, v] : node.items()) {
      if (allowed.count(k) == 0) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        std::string full = key.empty() ? k : key + "." + k;
        return fail(map_.where(full) + ": unknown key '" + full + "' (expected one of: " + list +
                    ")");
      }
    }
    return ok_status();
  }

  Status string_field(json& obj, const std::string& section, const std::string& name,
                      const std::string& def, bool non_empty = false) const {
    std::string key = section + "." + name;
    if (!obj.contains(name) || obj[name].is_null()) obj[name] = def;
    if (!obj[name].is_string())
      return fail_at(key, "must be a string (got " + type_name(obj[name]) + ")");
    if (non_empty && obj[name].get<std::string>().empty()) return fail_at(key, "must not be empty");
    return ok_status();
  }

  Status int_field(json& obj, const std::string& section, const std::string& name, int64_t def,
                   int64_t min, int64_t max) const {
    std::string key = section + "." + name;
    if (!obj.contains(name) || obj[name].is_null()) obj[name] = def;
    if (!obj[name].is_number_integer()) {
      return fail_at(key, "must be an integer (got " + type_name(obj[name]) + ")");
    }
    int64_t v = obj[name].get<int64_t>();
    if (v < min || v > max) {
      return fail_at(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                              " (got " + std::to_string(v) + ")");
    }
    return ok_status();
  }

  Status bool_field(json& obj, const std::string& section, const std::string& name,
                    bool def) const {
    std::string key = section + "." + name;
    if (!obj.contains(name) || obj[name].is_null()) obj[name] = def;
    if (!obj[name].is_boolean()) {
      return fail_at(key, "must be true or false (got " + type_name(obj[name]) + ")");
    }
    return ok_status();
  }

  template <size_t N>
  Status enum_field(json& obj, const std::string& section, const std::string& name,
                    const std::string& def, const std::array<std::string, N>& allowed) const {
    auto st = string_field(obj, section, name, def);
    if (!st) return st;
    return one_of(obj[name].get<std::string>(), section + "." + name, allowed);
  }

  template <size_t N>
  Status one_of(const std::string& v, const std::string& key,
                const std::array<std::string, N>& allowed) const {
    for (const auto& a : allowed) {
      if (a == v) return ok_status();
    }
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
    return fail_at(key, "must be one of " + list + " (got '" + v + "')");
  }

  static std::string type_name(const json& v) {
    switch (v.type()) {
      case json::value_t::null:
        return "null";
      case json::value_t::object:
        return "a mapping";
      case json::value_t::array:
        return "a list";
      case json::value_t::string:
        return "a string";
      case json::value_t::boolean:
        return "a boolean";
      case json::value_t::number_float:
        return "a number";
      default:
        return "an integer";
    }
  }

 private:
  const SourceMap& map_;
};

std::filesystem::path absolute_path(const std::string& p) {
  return std::filesystem::absolute(std::filesystem::path(p)).lexically_normal();
}

Status validate_server(json& s, const Validator& v, Config& cfg) {
  if (auto st = v.require_mapping(s, "server"); !st) return st;
  if (auto st = v.known_keys(s, "server",
                             {"data_dir", "plugin_dir", "extra_plugin_dirs", "shutdown_timeout_ms",
                              "blocking_threads", "blocking_queue_limit", "dev_mode"});
      !st) {
    return st;
  }
  if (auto st = v.string_field(s, "server", "data_dir", "./data", true); !st) return st;
  if (auto st = v.string_field(s, "server", "plugin_dir", ""); !st) return st;
  if (auto st = v.int_field(s, "server", "shutdown_timeout_ms", 10000, 0, 3600 * 1000); !st)
    return st;
  if (auto st = v.int_field(s, "server", "blocking_threads", 8, 1, 1024); !st) return st;
  if (auto st = v.int_field(s, "server", "blocking_queue_limit", 1024, 1, 1 << 24); !st) return st;
  // Off unless asked for: a production config that forgets the line must not get dev
  // behaviour (relaxed secret checks, generated keys).
  if (auto st = v.bool_field(s, "server", "dev_mode", false); !st) return st;
  if (!s.contains("extra_plugin_dirs") || s["extra_plugin_dirs"].is_null()) {
    s["extra_plugin_dirs"] = json::array();
  }
  if (!s["extra_plugin_dirs"].is_array()) {
    return v.fail_at(
        "server.extra_plugin_dirs",
        "must be a list of paths (got " + Validator::type_name(s["extra_plugin_dirs"]) + ")");
  }
  for (size_t i = 0; i < s["extra_plugin_dirs"].size(); ++i) {
    auto& d = s["extra_plugin_dirs"][i];
    if (!d.is_string() || d.get<std::string>().empty()) {
      return v.fail_at("server.extra_plugin_dirs." + std::to_string(i), "must be a non-empty path");
    }
    d = absolute_path(d.get<std::string>()).string();
    cfg.extra_plugin_dirs.emplace_back(d.get<std::string>());
  }
  s["data_dir"] = absolute_path(s["data_dir"].get<std::string>()).string();
  cfg.data_dir = s["data_dir"].get<std::string>();
  if (!s["plugin_dir"].get<std::string>().empty()) {
    s["plugin_dir"] = absolute_path(s["plugin_dir"].get<std::string>()).string();
    cfg.plugin_dir = s["plugin_dir"].get<std::string>();
  }
  cfg.shutdown_timeout_ms = s["shutdown_timeout_ms"].get<uint64_t>();
  cfg.blocking_threads = s["blocking_threads"].get<unsigned>();
  cfg.blocking_queue_limit = s["blocking_queue_limit"].get<size_t>();
  cfg.dev_mode = s["dev_mode"].get<bool>();
  return ok_status();
}

Status validate_logging(json& l, const Validator& v, Config& cfg) {
  if (auto st = v.require_mapping(l, "logging"); !st) return st;
  if (auto st = v.known_keys(l, "logging", {"level", "format", "levels"}); !st) return st;
  if (auto st = v.enum_field(l, "logging", "level", "info", kLevels); !st) return st;
  if (auto st =
          v.enum_field(l, "logging", "format", "text", std::array<std::string, 2>{"text", "json"});
      !st) {
    return st;
  }
  if (!l.contains("levels")) l["levels"] = json::object();
  if (auto st = v.require_mapping(l["levels"], "logging.levels"); !st) return st;
  for (auto& [id, lvl] : l["levels"].items()) {
    std::string key = "logging.levels." + id;
    if (!lvl.is_string()) return v.fail_at(key, "must be a log level string");
    if (auto st = v.one_of(lvl.get<std::string>(), key, kLevels); !st) return st;
    cfg.logging.levels[id] = lvl.get<std::string>();
  }
  cfg.logging.level = l["level"].get<std::string>();
  cfg.logging.format = l["format"].get<std::string>();
  return ok_status();
}

Status validate_database(json& d, const Validator& v, const Config& cfg) {
  if (auto st = v.require_mapping(d, "database"); !st) return st;
  // Other keys are allowed: the database plugins own them (pool sizes, timeouts...).
  if (auto st = v.enum_field(d, "database", "driver", "sqlite",
                             std::array<std::string, 2>{"sqlite", "postgres"});
      !st) {
    return st;
  }
  std::string def_sqlite = (cfg.data_dir / "streamgate.db").string();
  if (auto st = v.string_field(d, "database", "sqlite_path", def_sqlite, true); !st) return st;
  d["sqlite_path"] = absolute_path(d["sqlite_path"].get<std::string>()).string();
  if (auto st = v.string_field(d, "database", "postgres_url", ""); !st) return st;
  if (d["driver"] == "postgres" && d["postgres_url"].get<std::string>().empty()) {
    return v.fail_at("database.postgres_url", "must be set when database.driver is postgres");
  }
  return ok_status();
}

Status validate_plugins(json& p, const Validator& v) {
  if (auto st = v.require_mapping(p, "plugins"); !st) return st;
  for (auto& [id, section] : p.items()) {
    std::string key = "plugins." + id;
    if (!valid_plugin_id(id)) return v.fail_at(key, "is not a valid plugin id ([a-z0-9_-]+)");
    if (auto st = v.require_mapping(section, key); !st) return st;
    if (section.contains("enabled") && !section["enabled"].is_boolean()) {
      return v.fail_at(key + ".enabled", "must be true or false");
    }
  }
  return ok_status();
}

Result<Config> finish(json tree, SourceMap map, const Environment& env) {
  if (tree.is_null()) tree = json::object();
  if (!tree.is_object()) return fail(map.file + ": the configuration must be a mapping");
  if (auto st = apply_env_overrides(tree, env, map); !st) return fail(st.error());

  Config cfg;
  Validator v(map);
  if (auto st = v.known_keys(tree, "", {"server", "logging", "database", "plugins"}); !st) {
    return fail(st.error());
  }
  for (const char* k : {"server", "logging", "database", "plugins"}) {
    if (!tree.contains(k)) tree[k] = json::object();
  }
  if (auto st = validate_server(tree["server"], v, cfg); !st) return fail(st.error());
  if (auto st = validate_logging(tree["logging"], v, cfg); !st) return fail(st.error());
  if (auto st = validate_database(tree["database"], v, cfg); !st) return fail(st.error());
  if (auto st = validate_plugins(tree["plugins"], v); !st) return fail(st.error());
  cfg.tree = std::move(tree);
  cfg.source = std::move(map);
  return cfg;
}

}  // namespace

bool valid_plugin_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

bool Config::plugin_enabled(const std::string& id) const {
  const auto& p = tree.at("plugins");
  if (!p.contains(id)) return true;
  const auto& s = p.at(id);
  return !(s.is_object() && s.contains("enabled") && s.at("enabled").is_boolean() &&
           !s.at("enabled").get<bool>());
}

nlohmann::json Config::plugin_section(const std::string& id) const {
  const auto& p = tree.at("plugins");
  if (p.contains(id) && p.at(id).is_object()) return p.at(id);
  return nlohmann::json::object();
}

Result<Config> load_config_text(const std::string& yaml, const std::string& origin,
                                const Environment& env) {
  SourceMap map{origin, {}, {}};
  auto doc = parse_yaml(yaml, origin);
  if (!doc) return fail(doc.error());
  if (doc.value().IsDefined() && !doc.value().IsNull() && !doc.value().IsMap()) {
    return fail(origin + ": the configuration must be a mapping of sections");
  }
  auto tree = yaml_to_json(doc.value(), "", map, env);
  if (!tree) return fail(tree.error());
  return finish(std::move(tree).value(), std::move(map), env);
}

Result<Config> load_config(const std::optional<std::filesystem::path>& file,
                           const Environment& env) {
  if (!file) return finish(json::object(), SourceMap{"<built-in defaults>", {}, {}}, env);
  std::ifstream in(*file, std::ios::binary);
  if (!in)
    return fail("cannot read config file " + file->string() + ": no such file or not readable");
  std::stringstream ss;
  ss << in.rdbuf();
  return load_config_text(ss.str(), file->string(), env);
}

}  // namespace sgk
