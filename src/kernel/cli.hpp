// Command-line options of the streamgate binary.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "result.hpp"

namespace sgk {

enum class Command { run, help, version, check_config, list_plugins };

struct CliOptions {
  Command command = Command::run;
  std::optional<std::string> config_file;
};

Result<CliOptions> parse_cli(const std::vector<std::string>& args);
std::string usage_text();
std::string version_text();

}  // namespace sgk
