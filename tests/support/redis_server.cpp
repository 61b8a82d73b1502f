#include "redis_server.hpp"

#include <signal.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "ports.hpp"

namespace sgtest {

RedisServer::RedisServer() : dir_("sg-redis"), port_(free_port()) {}

RedisServer::~RedisServer() { stop(); }

bool RedisServer::available() {
  return ::access("/usr/bin/redis-server", X_OK) == 0 ||
         ::access("/usr/local/bin/redis-server", X_OK) == 0;
}

void RedisServer::start() {
  process_ = Process::spawn({"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", dir_.path().string(),
                             "--daemonize", "no", "--protected-mode", "yes"},
                            {}, dir_.path() / "redis.log");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_.running()) throw std::runtime_error("redis-server exited:\n" + log());
    if (port_accepts(port_)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("redis-server did not accept connections within 15 s:\n" + log());
}

void RedisServer::stop() {
  if (!process_.running()) return;
  process_.signal(SIGKILL);
  process_.wait(std::chrono::seconds(10));
}

bool RedisServer::running() { return process_.running(); }

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

std::string RedisServer::log() const { return read_file(dir_.path() / "redis.log"); }

}  // namespace sgtest
