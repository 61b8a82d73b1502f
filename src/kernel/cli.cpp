#include "cli.hpp"

#include "version.hpp"

namespace sgk {

std::string version_text() {
  return std::string("streamgate ") + kVersion + " (plugin ABI " + kAbiText + ")";
}

std::string usage_text() {
  return "Usage: streamgate [--config FILE] [--check-config | --list-plugins]\n"
         "       streamgate --help | --version\n"
         "\n"
         "Self-hosted video server. Loads every plugin (*.so) from server.plugin_dir\n"
         "(default <exe dir>/../lib/streamgate/plugins) and server.extra_plugin_dirs.\n"
         "\n"
         "Options:\n"
         "  --config FILE    YAML configuration (without it: built-in defaults)\n"
         "  --check-config   validate the configuration and plugin dependencies, then exit\n"
         "                   (0 = valid, 1 = the error on stderr)\n"
         "  --list-plugins   print each plugin's id, version, file, provides and requires\n"
         "  --version        print the version and plugin ABI\n"
         "  --help           print this help\n"
         "\n"
         "Environment: STREAMGATE__SECTION__KEY=value overrides a config key\n"
         "(STREAMGATE__GATEWAY__PORT=9000 sets plugins.gateway.port); ${VAR} in config\n"
         "strings expands from the environment.\n"
         "Signals: SIGINT/SIGTERM stop gracefully; a second signal exits at once (130).\n";
}

Result<CliOptions> parse_cli(const std::vector<std::string>& args) {
  CliOptions o;
  bool command_set = false;
  auto set_command = [&](Command c, const std::string& flag) -> Status {
    if (command_set && o.command != c)
      return fail("option " + flag + " conflicts with another command option");
    o.command = c;
    command_set = true;
    return ok_status();
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      o.command = Command::help;  // help wins over everything
      return o;
    }
    if (a == "--version" || a == "-V") {
      if (auto st = set_command(Command::version, a); !st) return fail(st.error());
    } else if (a == "--check-config") {
      if (auto st = set_command(Command::check_config, a); !st) return fail(st.error());
    } else if (a == "--list-plugins") {
      if (auto st = set_command(Command::list_plugins, a); !st) return fail(st.error());
    } else if (a == "--config" || a == "-c") {
      if (i + 1 >= args.size() || args[i + 1].empty()) return fail("option " + a + " needs a file");
      o.config_file = args[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      o.config_file = a.substr(9);
      if (o.config_file->empty()) return fail("option --config needs a file");
    } else {
      return fail("unknown argument '" + a + "'");
    }
  }
  return o;
}

}  // namespace sgk
