#include "streamgate_server.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "ports.hpp"

namespace sgtest {

StreamGateServer::StreamGateServer(nlohmann::json config_overrides,
                                   std::map<std::string, std::string> env)
    : dir_("sg-server"), port_(free_port()), env_(std::move(env)) {
  std::filesystem::path data = dir_.path() / "data";
  std::filesystem::create_directories(data);
  config_ = {
      {"server",
       {{"data_dir", data.string()},
        {"plugin_dir", SG_TEST_PLUGIN_DIR},
        {"dev_mode", true},
        {"shutdown_timeout_ms", 10000}}},
      {"logging", {{"level", "info"}}},
      {"database", {{"driver", "sqlite"}, {"sqlite_path", (data / "streamgate.db").string()}}},
      {"plugins", {{"gateway", {{"host", "127.0.0.1"}, {"port", port_}}}}},
  };
  if (!config_overrides.is_null()) config_.merge_patch(config_overrides);
  if (config_["plugins"]["gateway"].contains("port") &&
      config_["plugins"]["gateway"]["port"].is_number_unsigned())
    port_ = config_["plugins"]["gateway"]["port"].get<uint16_t>();
}

StreamGateServer::~StreamGateServer() {
  if (process_.running()) stop(std::chrono::seconds(10));
}

void StreamGateServer::use_plugins(std::vector<std::string> ids) {
  std::filesystem::path folder = dir_.path() / "plugins";
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  for (const auto& id : ids) {
    std::filesystem::path file = id + ".so";
    std::filesystem::path found;
    for (std::filesystem::path base : {std::filesystem::path(SG_TEST_PLUGIN_DIR),
                                       std::filesystem::path(SG_TEST_TEST_PLUGIN_DIR)}) {
      if (std::filesystem::exists(base / file)) {
        found = base / file;
        break;
      }
    }
    if (found.empty()) {
      ADD_FAILURE() << "use_plugins: no " << file << " in " << SG_TEST_PLUGIN_DIR << " or "
                    << SG_TEST_TEST_PLUGIN_DIR;
      continue;
    }
    std::filesystem::create_symlink(found, folder / file);
  }
  config_["server"]["plugin_dir"] = folder.string();
}

std::filesystem::path StreamGateServer::data_dir() const {
  return config_["server"]["data_dir"].get<std::string>();
}

void StreamGateServer::write_config() {
  std::ofstream out(config_path());
  out << config_.dump(2) << "\n";
}

bool StreamGateServer::start(std::chrono::milliseconds ready_timeout) {
  write_config();
  std::ofstream(log_path(), std::ios::app) << "---- start ----\n";
  process_ = Process::spawn({SG_TEST_STREAMGATE_BIN, "--config", config_path().string()}, env_,
                            log_path());
  auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_.running()) {
      ADD_FAILURE() << "streamgate exited during start-up; log:\n" << log();
      return false;
    }
    if (port_accepts(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "streamgate did not accept connections on port " << port_ << " within "
                << ready_timeout.count() << " ms; log:\n"
                << log();
  return false;
}

std::optional<int> StreamGateServer::run_until_exit(std::chrono::milliseconds timeout) {
  write_config();
  std::ofstream(log_path(), std::ios::app) << "---- run until exit ----\n";
  process_ = Process::spawn({SG_TEST_STREAMGATE_BIN, "--config", config_path().string()}, env_,
                            log_path());
  auto code = process_.wait(timeout);
  if (!code) {
    process_.signal(SIGKILL);
    process_.wait(std::chrono::seconds(5));
  }
  return code;
}

std::optional<int> StreamGateServer::stop(std::chrono::milliseconds timeout) {
  if (!process_.running()) return process_.wait(std::chrono::milliseconds(0));
  process_.signal(SIGTERM);
  auto code = process_.wait(timeout);
  if (!code) {
    process_.signal(SIGKILL);
    process_.wait(std::chrono::seconds(5));
  }
  return code;
}

void StreamGateServer::kill() {
  process_.signal(SIGKILL);
  process_.wait(std::chrono::seconds(10));
}

bool StreamGateServer::running() {
  return process_.running();
}

std::string StreamGateServer::log() const {
  return read_file(log_path());
}

HttpResponse StreamGateServer::request(std::string method, std::string target, std::string body,
                                       Headers headers, std::chrono::milliseconds timeout) {
  return http(port_, std::move(method), std::move(target), std::move(body), std::move(headers),
              timeout);
}

}  // namespace sgtest
