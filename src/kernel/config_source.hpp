// Where each configuration value came from, so that errors can name the file and line
// (or the environment variable) of the offending key.
#pragma once

#include <map>
#include <string>

namespace sgk {

using Environment = std::map<std::string, std::string>;

// The variables of the running process.
Environment process_environment();

struct SourceMap {
  std::string file;                               // config file path, or "<defaults>"
  std::map<std::string, int> lines;               // dotted key -> 1-based line in `file`
  std::map<std::string, std::string> env_origin;  // dotted key -> STREAMGATE__... variable

  // "file:line", "file" or "environment variable X (file)" for a dotted key; falls back to
  // the closest parent key that has a known location.
  std::string where(const std::string& key) const;
};

}  // namespace sgk
