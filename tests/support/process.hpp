#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sgtest {

// A child process. The destructor SIGKILLs and reaps a child that is still running, so a
// failing test never leaks servers.
class Process {
 public:
  // Starts argv[0] (searched in PATH when it has no slash) with the current environment
  // plus `env`. stdout and stderr go to `log_file` when given (appended), else /dev/null.
  static Process spawn(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                       std::filesystem::path log_file = {});

  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  ~Process();

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Exit code (128 + signal number for a signalled child); nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// Runs a command to completion, returning its exit code and combined output.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult run_command(std::vector<std::string> argv,
                          std::map<std::string, std::string> env = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(120));

// Whether an executable named `tool` is in PATH.
bool in_path(const std::string& tool);

// Reads a whole file ("" when missing).
std::string read_file(const std::filesystem::path& path);

}  // namespace sgtest
