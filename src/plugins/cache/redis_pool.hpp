// A bounded pool of synchronous hiredis connections. Connections are created lazily, reused
// LIFO (keeps a few hot), checked for a server-side close before reuse, and dropped after
// any I/O error so that the next user reconnects.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backend.hpp"
#include "redis_url.hpp"

struct redisContext;
struct redisReply;

namespace sg::cache {

struct RedisPoolOptions {
  RedisEndpoint endpoint;
  size_t pool_size = 8;
  std::chrono::milliseconds connect_timeout{250};
  std::chrono::milliseconds command_timeout{200};
};

// Frees a hiredis reply.
struct ReplyDeleter {
  void operator()(redisReply* r) const noexcept;
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisPool;

// A connection on loan from the pool; returned on destruction (or dropped if marked broken).
class PooledConnection {
 public:
  PooledConnection() = default;
  PooledConnection(RedisPool* pool, redisContext* ctx) : pool_(pool), ctx_(ctx) {}
  PooledConnection(PooledConnection&& o) noexcept;
  PooledConnection& operator=(PooledConnection&& o) noexcept;
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;
  ~PooledConnection();

  explicit operator bool() const noexcept { return ctx_ != nullptr; }
  // Sends one command (binary-safe arguments). On a transport failure returns nullptr,
  // marks the connection broken and fills *error (hiredis's errstr: no secrets).
  ReplyPtr command(const std::vector<std::string_view>& args, std::string* error);
  // Pipelining: queue commands with append() (nothing is sent yet), then read one reply per
  // appended command, in order, with read_reply() (the first call sends the whole queue).
  // Failures are reported and mark the connection broken exactly as command() does.
  bool append(const std::vector<std::string>& args, std::string* error);
  ReplyPtr read_reply(std::string* error);

 private:
  void give_back() noexcept;
  void mark_broken(std::string* error);
  RedisPool* pool_ = nullptr;
  redisContext* ctx_ = nullptr;
  bool broken_ = false;
};

// Why acquire() returned no connection.
enum class AcquireFailure {
  kNone,
  kConnectFailed,  // a verdict on the server: feeds the circuit breaker
  kBusy,           // every connection stayed on loan until the deadline
  kStopped         // shutdown() was called
};

class RedisPool {
 public:
  explicit RedisPool(RedisPoolOptions options);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  // Lends a connection, connecting if needed. `fresh` forces a new connection (used by
  // circuit-breaker probes so that a stale socket cannot fake a recovery). Waits for a free
  // slot until `deadline`. On failure returns an empty handle with *failure and *error.
  PooledConnection acquire(std::chrono::steady_clock::time_point deadline, bool fresh,
                           AcquireFailure* failure, std::string* error);
  // Closes idle connections and refuses new loans; loans in flight are closed on return.
  void shutdown();

  size_t open_connections() const;
  size_t idle_connections() const;
  const RedisPoolOptions& options() const noexcept { return options_; }

 private:
  friend class PooledConnection;
  void release(redisContext* ctx, bool reusable) noexcept;
  redisContext* connect(std::string* error) const;

  const RedisPoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<redisContext*> idle_;
  size_t open_ = 0;  // idle + on loan + being connected
  bool stopped_ = false;
};

}  // namespace sg::cache
