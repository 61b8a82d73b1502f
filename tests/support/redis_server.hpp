#pragma once

#include <cstdint>
#include <string>

#include "process.hpp"
#include "temp_dir.hpp"

namespace sgtest {

// A private redis-server on 127.0.0.1:<free port>, no persistence. stop() then start()
// brings it back on the same port (for outage tests).
class RedisServer {
 public:
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  static bool available();
  void start();  // throws with the log on failure
  void stop();   // SIGKILL: an abrupt outage
  bool running();

  uint16_t port() const { return port_; }
  std::string url() const;  // redis://127.0.0.1:PORT
  std::string log() const;

 private:
  TempDir dir_;
  uint16_t port_;
  Process process_;
};

}  // namespace sgtest
