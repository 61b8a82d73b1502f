// Starts a real streamgate process with only gateway.so + test_routes.so (plus any extra
// plugins) and a folder of test files, for the gateway tests.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support.hpp"

namespace gwtest {

struct Gateway {
  // The server is created by start(), so the config may still be edited until then.
  explicit Gateway(nlohmann::json gateway_config = nlohmann::json::object(),
                   std::vector<std::string> plugins = {"gateway", "test_routes"});
  // Writes `content` to files/<name> (creating folders).
  std::filesystem::path write_file(const std::string& name, const std::string& content) const;
  bool start();
  uint16_t port() const { return server->port(); }

  sgtest::TempDir files{"sg-gw-files"};
  nlohmann::json gateway_config;
  nlohmann::json extra_config = nlohmann::json::object();  // merged into the whole config
  std::vector<std::string> plugins;
  std::unique_ptr<sgtest::StreamGateServer> server;
};

// Resident set size of a process in KiB (0 when unreadable).
std::uint64_t rss_kib(pid_t pid);

// A deterministic pseudo-random payload.
std::string payload(std::size_t size, unsigned seed = 1);

}  // namespace gwtest
