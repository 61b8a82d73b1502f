#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "process.hpp"
#include "temp_dir.hpp"

namespace sgtest {

// A private PostgreSQL server (Debian's postgresql binaries): initdb into a temp dir, then
// postgres listening on 127.0.0.1:<free port> only, trust auth, fsync off (tests only).
// When the tests run as root, the server runs as the `postgres` system user.
class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // True when initdb and postgres are installed.
  static bool available();

  // Initialises (first time) and starts; throws with the server log on failure.
  void start();
  void stop();
  // Immediate shutdown, as a crash would (no checkpoint).
  void kill();
  bool running();

  uint16_t port() const { return port_; }
  std::string url() const;  // postgresql://postgres@127.0.0.1:PORT/postgres
  const std::filesystem::path& data_dir() const { return data_dir_; }
  std::string log() const;

  // Runs SQL through psql; returns psql's output (throws on failure).
  std::string psql(const std::string& sql) const;

 private:
  std::vector<std::string> as_server_user(std::vector<std::string> argv) const;

  TempDir dir_;
  std::filesystem::path data_dir_;
  uint16_t port_;
  bool initialised_ = false;
  Process process_;
};

}  // namespace sgtest
