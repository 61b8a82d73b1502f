#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace sgtest {

// A real `streamgate` child process on a private port and data directory.
// The config file it writes is JSON (valid YAML): defaults merged (JSON merge-patch) with
// the overrides. start() fails the current test (with the server log) when the process
// exits or does not accept connections in time.
class StreamGateServer {
 public:
  explicit StreamGateServer(nlohmann::json config_overrides = nlohmann::json::object(),
                            std::map<std::string, std::string> env = {});
  ~StreamGateServer();
  StreamGateServer(const StreamGateServer&) = delete;
  StreamGateServer& operator=(const StreamGateServer&) = delete;

  // Load only these plugin ids (symlinks from the build's plugin and test-plugin folders).
  void use_plugins(std::vector<std::string> ids);

  // Returns true when the port accepts connections; false (test failure recorded, log
  // printed) otherwise. Can be called again after stop()/kill() to restart on the same
  // port and data directory.
  bool start(std::chrono::milliseconds ready_timeout = std::chrono::seconds(20));
  // For start-up failures: runs the binary with this config until it exits by itself and
  // returns its exit code (nullopt, after SIGKILL, if it was still running at the timeout).
  std::optional<int> run_until_exit(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // SIGTERM and wait; returns the exit code (nullopt if it had to be SIGKILLed).
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void kill();
  bool running();

  uint16_t port() const { return port_; }
  pid_t pid() const { return process_.pid(); }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path data_dir() const;
  std::filesystem::path config_path() const { return dir_.path() / "streamgate.yaml"; }
  std::filesystem::path log_path() const { return dir_.path() / "streamgate.log"; }
  std::string log() const;
  const nlohmann::json& config() const { return config_; }
  // JSON merge-patch into the config; takes effect at the next start().
  void merge_config(const nlohmann::json& patch) { config_.merge_patch(patch); }

  HttpResponse request(std::string method, std::string target, std::string body = "",
                       Headers headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  void write_config();

  TempDir dir_;
  uint16_t port_;
  nlohmann::json config_;
  std::map<std::string, std::string> env_;
  Process process_;
};

}  // namespace sgtest
