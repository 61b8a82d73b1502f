#include "config_source.hpp"

#include <unistd.h>

#include <string_view>

extern char** environ;

namespace sgk {

Environment process_environment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::string SourceMap::where(const std::string& key) const {
  std::string k = key;
  while (true) {
    if (auto e = env_origin.find(k); e != env_origin.end()) {
      return "environment variable " + e->second + " (config " + file + ")";
    }
    if (auto l = lines.find(k); l != lines.end()) {
      return file + ":" + std::to_string(l->second);
    }
    auto dot = k.rfind('.');
    if (dot == std::string::npos) return file;
    k.resize(dot);
  }
}

}  // namespace sgk
