#include "redis_pool.hpp"

#include <hiredis/hiredis.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <utility>

namespace sg::cache {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

// True when the server closed the socket (or it errored) while the connection sat idle.
// A pending byte would also mean a desynchronised protocol, so it counts as stale too.
bool is_stale(const redisContext* ctx) {
  char byte = 0;
  ssize_t n = ::recv(ctx->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  return true;  // 0 = orderly close, >0 = unexpected data
}

ReplyPtr run_argv(redisContext* ctx, const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  void* raw = redisCommandArgv(ctx, static_cast<int>(args.size()), argv.data(), lens.data());
  return ReplyPtr(static_cast<redisReply*>(raw));
}

}  // namespace

void ReplyDeleter::operator()(redisReply* r) const noexcept {
  if (r != nullptr) freeReplyObject(r);
}

PooledConnection::PooledConnection(PooledConnection&& o) noexcept
    : pool_(o.pool_), ctx_(std::exchange(o.ctx_, nullptr)), broken_(o.broken_) {}

PooledConnection& PooledConnection::operator=(PooledConnection&& o) noexcept {
  if (this != &o) {
    give_back();
    pool_ = o.pool_;
    ctx_ = std::exchange(o.ctx_, nullptr);
    broken_ = o.broken_;
  }
  return *this;
}

PooledConnection::~PooledConnection() {
  give_back();
}

void PooledConnection::give_back() noexcept {
  if (ctx_ != nullptr) pool_->release(std::exchange(ctx_, nullptr), !broken_);
}

void PooledConnection::mark_broken(std::string* error) {
  // hiredis cannot resynchronise after an I/O error or a timeout: drop the connection.
  broken_ = true;
  if (error != nullptr) {
    std::string what = ctx_->errstr[0] != '\0' ? ctx_->errstr : "connection error";
    if (ctx_->err == REDIS_ERR_IO && (what.find("temporarily unavailable") != std::string::npos ||
                                      what.find("timed out") != std::string::npos)) {
      what = "command timed out";
    }
    *error = what;
  }
}

ReplyPtr PooledConnection::command(const std::vector<std::string_view>& args, std::string* error) {
  ReplyPtr reply = run_argv(ctx_, args);
  if (reply == nullptr || ctx_->err != 0) {
    mark_broken(error);
    return nullptr;
  }
  return reply;
}

bool PooledConnection::append(const std::vector<std::string>& args, std::string* error) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data()) !=
      REDIS_OK) {
    mark_broken(error);
    return false;
  }
  return true;
}

ReplyPtr PooledConnection::read_reply(std::string* error) {
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr || ctx_->err != 0) {
    if (raw != nullptr) freeReplyObject(raw);
    mark_broken(error);
    return nullptr;
  }
  return ReplyPtr(static_cast<redisReply*>(raw));
}

RedisPool::RedisPool(RedisPoolOptions options) : options_(std::move(options)) {}

RedisPool::~RedisPool() {
  shutdown();
}

redisContext* RedisPool::connect(std::string* error) const {
  const RedisEndpoint& ep = options_.endpoint;
  timeval ctv = to_timeval(options_.connect_timeout);
  redisContext* ctx = redisConnectWithTimeout(ep.host.c_str(), ep.port, ctv);
  if (ctx == nullptr) {
    *error = "cannot allocate a redis context";
    return nullptr;
  }
  auto fail = [&](std::string msg) -> redisContext* {
    *error = std::move(msg);
    redisFree(ctx);
    return nullptr;
  };
  if (ctx->err != 0) return fail(std::string("connect: ") + ctx->errstr);
  timeval cmd = to_timeval(options_.command_timeout);
  if (redisSetTimeout(ctx, cmd) != REDIS_OK) return fail("cannot set the command timeout");
  redisEnableKeepAlive(ctx);

  auto handshake = [&](const std::vector<std::string_view>& args, const char* what) -> std::string {
    ReplyPtr reply = run_argv(ctx, args);
    if (reply == nullptr) return std::string(what) + ": " + ctx->errstr;
    if (reply->type == REDIS_REPLY_ERROR) {
      // Redis's AUTH errors ("WRONGPASS ...") never echo the password.
      return std::string(what) + ": " + std::string(reply->str, reply->len);
    }
    return {};
  };
  if (!ep.password.empty()) {
    std::string e = ep.user.empty() ? handshake({"AUTH", ep.password}, "AUTH")
                                    : handshake({"AUTH", ep.user, ep.password}, "AUTH");
    if (!e.empty()) return fail(e);
  }
  if (ep.db != 0) {
    std::string db = std::to_string(ep.db);
    if (std::string e = handshake({"SELECT", db}, "SELECT"); !e.empty()) return fail(e);
  }
  return ctx;
}

PooledConnection RedisPool::acquire(std::chrono::steady_clock::time_point deadline, bool fresh,
                                    AcquireFailure* failure, std::string* error) {
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopped_) {
      *failure = AcquireFailure::kStopped;
      *error = "cache is stopped";
      return {};
    }
    if (!idle_.empty() && !fresh) {
      redisContext* ctx = idle_.back();
      idle_.pop_back();
      if (!is_stale(ctx)) return PooledConnection(this, ctx);
      redisFree(ctx);  // the server closed it (restart, idle timeout); replace it below
      --open_;
      continue;
    }
    if (open_ < options_.pool_size || (fresh && !idle_.empty())) {
      if (fresh && !idle_.empty() && open_ >= options_.pool_size) {
        // Make room for the fresh probe connection by closing an idle one.
        redisFree(idle_.front());
        idle_.erase(idle_.begin());
        --open_;
      }
      ++open_;
      lock.unlock();
      std::string why;
      redisContext* ctx = connect(&why);
      if (ctx == nullptr) {
        release(nullptr, false);
        *failure = AcquireFailure::kConnectFailed;
        *error = why;
        return {};
      }
      return PooledConnection(this, ctx);
    }
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      *failure = AcquireFailure::kBusy;
      *error = "all " + std::to_string(options_.pool_size) +
               " redis connections stayed busy past the command timeout";
      return {};
    }
  }
}

void RedisPool::release(redisContext* ctx, bool reusable) noexcept {
  {
    std::lock_guard lock(mu_);
    if (ctx != nullptr && reusable && !stopped_) {
      idle_.push_back(ctx);
    } else {
      if (ctx != nullptr) redisFree(ctx);
      --open_;
    }
  }
  cv_.notify_one();
}

void RedisPool::shutdown() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (redisContext* ctx : idle_) redisFree(ctx);
    open_ -= idle_.size();
    idle_.clear();
  }
  cv_.notify_all();
}

size_t RedisPool::open_connections() const {
  std::lock_guard lock(mu_);
  return open_;
}

size_t RedisPool::idle_connections() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

}  // namespace sg::cache
