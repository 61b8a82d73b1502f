// The effective configuration: file (YAML) + defaults + env overrides + ${VAR} expansion,
// validated against the schema in docs/DEVELOPING.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config_source.hpp"
#include "result.hpp"

namespace sgk {

struct LogSettings {
  std::string level = "info";                 // trace|debug|info|warn|error|critical
  std::string format = "text";                // text|json
  std::map<std::string, std::string> levels;  // plugin id -> level
};

struct Config {
  SourceMap source;
  // The whole effective tree (defaults filled in, relative paths made absolute). This is
  // what host config_get() reads.
  nlohmann::json tree;

  std::filesystem::path data_dir;
  std::filesystem::path plugin_dir;  // empty = <exe dir>/../lib/streamgate/plugins
  std::vector<std::filesystem::path> extra_plugin_dirs;
  uint64_t shutdown_timeout_ms = 10000;
  unsigned blocking_threads = 8;
  size_t blocking_queue_limit = 1024;
  bool dev_mode = false;  // server.dev_mode; absent = false
  LogSettings logging;

  // plugins.<id>.enabled, true when absent.
  bool plugin_enabled(const std::string& id) const;
  // plugins.<id> as a JSON object ({} when absent).
  nlohmann::json plugin_section(const std::string& id) const;
};

// Loads `file` (or only the built-in defaults when nullopt). Relative paths in
// server.data_dir, server.plugin_dir, server.extra_plugin_dirs and database.sqlite_path are
// resolved against the current working directory. Errors are one line naming the key and
// the file (with line) or environment variable it came from.
Result<Config> load_config(const std::optional<std::filesystem::path>& file,
                           const Environment& env);
// Same, from YAML text; `origin` names it in errors.
Result<Config> load_config_text(const std::string& yaml, const std::string& origin,
                                const Environment& env);

// True for a valid plugin id ([a-z0-9_-]+).
bool valid_plugin_id(std::string_view id);

}  // namespace sgk
