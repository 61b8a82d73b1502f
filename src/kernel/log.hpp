// Logging: spdlog loggers per plugin id sharing one line sink (text or JSON lines on
// stderr), a global level and per-plugin overrides. Every record carries its plugin id.
#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "config.hpp"

namespace sgk::logging {

// Applies format and levels to every existing and future logger. Safe to call again.
void configure(const LogSettings& settings);

// Also sends every record to `sink` (tests capture logs this way); nullptr removes it.
void set_extra_sink(spdlog::sink_ptr sink);

// The logger for a plugin id ("kernel" for the kernel itself). Never null.
std::shared_ptr<spdlog::logger> get(const std::string& id);
inline std::shared_ptr<spdlog::logger> kernel() {
  return get("kernel");
}

// Parses a level name (trace|debug|info|warn|error|critical); info when unknown.
spdlog::level::level_enum parse_level(const std::string& name);

// Escapes control characters (newline -> \n) so that one record is one line.
std::string escape_line(std::string_view text);

}  // namespace sgk::logging
