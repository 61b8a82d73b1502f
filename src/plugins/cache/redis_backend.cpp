#include "redis_backend.hpp"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <cstdio>

namespace sg::cache {

namespace {

// INCRBY plus "PEXPIRE only if this call created the key", atomically: scripts run without
// interleaving, so concurrent instances see one consistent fixed window.
constexpr std::string_view kIncrScript =
    "local existed = redis.call('EXISTS', KEYS[1])\n"
    "local value = redis.call('INCRBY', KEYS[1], ARGV[1])\n"
    "if existed == 0 and tonumber(ARGV[2]) > 0 then\n"
    "  redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
    "end\n"
    "return value\n";

std::string sha1_hex(std::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  char buf[3];
  for (unsigned char b : digest) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    hex += buf;
  }
  return hex;
}

bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  for (auto p : prefixes)
    if (s.substr(0, p.size()) == p) return true;
  return false;
}

// Maps a Redis error reply to a status. Error replies never carry credentials.
Outcome from_error_reply(const redisReply& r) {
  std::string_view text(r.str, r.len);
  std::string msg = "redis: " + std::string(text);
  if (text.find("not an integer") != std::string_view::npos ||
      text.find("would overflow") != std::string_view::npos) {
    return Outcome::fail(SG_ERR_INVALID, "value is not an integer or the result would overflow");
  }
  if (starts_with_any(text, {"WRONGTYPE"})) return Outcome::fail(SG_ERR_INVALID, msg);
  if (text.find("invalid expire") != std::string_view::npos) {
    return Outcome::fail(SG_ERR_INVALID, msg);
  }
  if (starts_with_any(text, {"OOM"})) return Outcome::fail(SG_ERR_LIMIT, msg);
  if (starts_with_any(text, {"LOADING", "READONLY", "MASTERDOWN", "BUSY", "NOAUTH", "TRYAGAIN",
                             "CLUSTERDOWN", "NOPERM", "WRONGPASS"})) {
    return Outcome::fail(SG_ERR_UNAVAILABLE, msg);
  }
  return Outcome::fail(SG_ERR_INTERNAL, msg);
}

Outcome unexpected(const redisReply& r) {
  return Outcome::fail(SG_ERR_INTERNAL, "unexpected redis reply type " + std::to_string(r.type));
}

}  // namespace

RedisBackend::RedisBackend(RedisOptions options)
    : options_(std::move(options)),
      redacted_url_(redact_redis_url(options_.pool.endpoint)),
      incr_script_sha_(sha1_hex(kIncrScript)),
      pool_(options_.pool),
      breaker_(options_.reconnect_initial_backoff, options_.reconnect_max_backoff),
      pipeline_([this](std::vector<PipelinedCommand>& batch) { run_batch(batch); },
                kMaxPipelineBatch) {}

RedisBackend::~RedisBackend() {
  shutdown();
}

std::string RedisBackend::full_key(std::string_view key) const {
  std::string k;
  k.reserve(options_.key_prefix.size() + key.size());
  k += options_.key_prefix;
  k += key;
  return k;
}

std::string RedisBackend::rejected_message() const {
  return "redis at " + redacted_url_ + " is unavailable (" + breaker_.last_error() +
         "); next reconnect attempt in " + std::to_string(breaker_.retry_in_ms()) + " ms";
}

std::string RedisBackend::lost(const std::string& why) {
  connected_.store(false, std::memory_order_release);
  std::string msg = "redis at " + redacted_url_ + ": " + why;
  if (breaker_.on_failure(why) && listener_) listener_(false, msg);
  return msg;
}

void RedisBackend::reached() {
  connected_.store(true, std::memory_order_release);
  if (breaker_.on_success() && listener_) listener_(true, "redis at " + redacted_url_);
}

Outcome RedisBackend::run(const std::vector<std::string_view>& args, const ReplyFn& on_reply,
                          bool is_incr_script) {
  if (stopped_.load(std::memory_order_acquire)) {
    return Outcome::fail(SG_ERR_UNAVAILABLE, "cache is stopped");
  }
  CircuitBreaker::Permit permit = breaker_.acquire();
  if (permit == CircuitBreaker::Permit::kRejected)
    return Outcome::fail(SG_ERR_UNAVAILABLE, rejected_message());
  const bool probe = permit == CircuitBreaker::Permit::kProbe;
  auto transport_failure = [&](const std::string& why) {
    return Outcome::fail(SG_ERR_UNAVAILABLE, lost(why));
  };

  auto deadline = std::chrono::steady_clock::now() + options_.pool.command_timeout;
  AcquireFailure failure = AcquireFailure::kNone;
  std::string error;
  PooledConnection conn = pool_.acquire(deadline, probe, &failure, &error);
  if (!conn) {
    if (failure == AcquireFailure::kConnectFailed) return transport_failure(error);
    // Busy or stopped is no verdict on the server: let another caller probe. Callers
    // degrade on a busy pool exactly as on an outage, hence UNAVAILABLE.
    if (probe) breaker_.abandon_probe();
    return Outcome::fail(SG_ERR_UNAVAILABLE, "redis: " + error);
  }

  ReplyPtr reply = conn.command(args, &error);
  if (reply == nullptr) return transport_failure(error);
  if (is_incr_script && reply->type == REDIS_REPLY_ERROR &&
      std::string_view(reply->str, reply->len).substr(0, 8) == "NOSCRIPT") {
    // First use on this server (or after SCRIPT FLUSH / restart): send the body once.
    std::vector<std::string_view> eval = args;
    eval[0] = "EVAL";
    eval[1] = kIncrScript;
    reply = conn.command(eval, &error);
    if (reply == nullptr) return transport_failure(error);
  }
  reached();
  if (reply->type == REDIS_REPLY_ERROR) return from_error_reply(*reply);
  return on_reply(*reply);
}

Outcome RedisBackend::ping() {
  return run({"PING"}, [](const redisReply& r) {
    return r.type == REDIS_REPLY_STATUS ? Outcome::success() : unexpected(r);
  });
}

Outcome RedisBackend::get(std::string_view key, std::string& out) {
  std::string k = full_key(key);
  return run({"GET", k}, [&](const redisReply& r) {
    if (r.type == REDIS_REPLY_NIL) return Outcome::fail(SG_ERR_NOT_FOUND, "no such key");
    if (r.type != REDIS_REPLY_STRING) return unexpected(r);
    out.assign(r.str, r.len);
    return Outcome::success();
  });
}

Outcome RedisBackend::set(std::string_view key, std::string_view value, uint64_t ttl_ms) {
  std::string k = full_key(key);
  std::string ttl = std::to_string(ttl_ms);
  std::vector<std::string_view> args{"SET", k, value};
  if (ttl_ms > 0) args.insert(args.end(), {"PX", ttl});
  return run(args, [](const redisReply& r) {
    return r.type == REDIS_REPLY_STATUS ? Outcome::success() : unexpected(r);
  });
}

Outcome RedisBackend::set_if_absent(std::string_view key, std::string_view value, uint64_t ttl_ms) {
  std::string k = full_key(key);
  std::string ttl = std::to_string(ttl_ms);
  std::vector<std::string_view> args{"SET", k, value, "NX"};
  if (ttl_ms > 0) args.insert(args.end(), {"PX", ttl});
  return run(args, [](const redisReply& r) {
    if (r.type == REDIS_REPLY_NIL) return Outcome::fail(SG_ERR_EXISTS, "key already present");
    return r.type == REDIS_REPLY_STATUS ? Outcome::success() : unexpected(r);
  });
}

Outcome RedisBackend::del(std::string_view key, bool& removed) {
  std::string k = full_key(key);
  return run({"DEL", k}, [&](const redisReply& r) {
    if (r.type != REDIS_REPLY_INTEGER) return unexpected(r);
    removed = r.integer > 0;
    return Outcome::success();
  });
}

Outcome RedisBackend::incr(std::string_view key, int64_t delta, uint64_t ttl_ms, int64_t& out) {
  std::string k = full_key(key);
  std::string d = std::to_string(delta);
  std::string ttl = std::to_string(ttl_ms);
  return run(
      {"EVALSHA", incr_script_sha_, "1", k, d, ttl},
      [&](const redisReply& r) {
        if (r.type != REDIS_REPLY_INTEGER) return unexpected(r);
        out = r.integer;
        return Outcome::success();
      },
      true);
}

Outcome RedisBackend::take(std::string_view key, std::string& out) {
  std::string k = full_key(key);
  return run({"GETDEL", k}, [&](const redisReply& r) {
    if (r.type == REDIS_REPLY_NIL) return Outcome::fail(SG_ERR_NOT_FOUND, "no such key");
    if (r.type != REDIS_REPLY_STRING) return unexpected(r);
    out.assign(r.str, r.len);
    return Outcome::success();
  });
}

namespace {

// An MGET reply of `count` keys into values (nullopt = missing); `out` untouched on failure.
Outcome read_mget(const redisReply& r, size_t count, std::vector<std::optional<std::string>>& out) {
  if (r.type == REDIS_REPLY_ERROR) return from_error_reply(r);
  if (r.type != REDIS_REPLY_ARRAY || r.elements != count) return unexpected(r);
  std::vector<std::optional<std::string>> values(count);
  for (size_t i = 0; i < r.elements; ++i) {
    const redisReply& e = *r.element[i];
    if (e.type == REDIS_REPLY_NIL) continue;
    if (e.type != REDIS_REPLY_STRING) return unexpected(e);
    values[i].emplace(e.str, e.len);
  }
  out = std::move(values);
  return Outcome::success();
}

}  // namespace

Outcome RedisBackend::get_many(const std::vector<std::string_view>& keys,
                               std::vector<std::optional<std::string>>& out) {
  out.clear();
  std::vector<std::string> full;
  full.reserve(keys.size());
  for (auto key : keys) full.push_back(full_key(key));
  std::vector<std::string_view> args;
  args.reserve(full.size() + 1);
  args.emplace_back("MGET");
  for (const auto& k : full) args.emplace_back(k);
  return run(args, [&](const redisReply& r) { return read_mget(r, keys.size(), out); });
}

void RedisBackend::get_many_async(std::vector<std::string> keys, ManyDone done) {
  PipelinedCommand cmd;
  const size_t count = keys.size();
  cmd.args.reserve(count + 1);
  cmd.args.emplace_back("MGET");
  for (auto& key : keys) cmd.args.push_back(full_key(key));
  cmd.done = [done = std::move(done), count](const redisReply* reply, const std::string& failure) {
    std::vector<std::optional<std::string>> out;
    Outcome r = reply != nullptr ? read_mget(*reply, count, out)
                                 : Outcome::fail(SG_ERR_UNAVAILABLE, failure);
    done(r, out);
  };
  pipeline_.submit(std::move(cmd));
}

void RedisBackend::run_batch(std::vector<PipelinedCommand>& batch) {
  auto fail_from = [&](size_t first, const std::string& why) {
    for (size_t i = first; i < batch.size(); ++i) batch[i].done(nullptr, why);
  };
  if (stopped_.load(std::memory_order_acquire)) return fail_from(0, "cache is stopped");
  CircuitBreaker::Permit permit = breaker_.acquire();
  if (permit == CircuitBreaker::Permit::kRejected) return fail_from(0, rejected_message());
  const bool probe = permit == CircuitBreaker::Permit::kProbe;

  auto deadline = std::chrono::steady_clock::now() + options_.pool.command_timeout;
  AcquireFailure failure = AcquireFailure::kNone;
  std::string error;
  PooledConnection conn = pool_.acquire(deadline, probe, &failure, &error);
  if (!conn) {
    if (failure == AcquireFailure::kConnectFailed) return fail_from(0, lost(error));
    if (probe) breaker_.abandon_probe();
    return fail_from(0, "redis: " + error);
  }
  for (const auto& cmd : batch)
    if (!conn.append(cmd.args, &error)) return fail_from(0, lost(error));
  for (size_t i = 0; i < batch.size(); ++i) {
    ReplyPtr reply = conn.read_reply(&error);
    if (reply == nullptr) return fail_from(i, lost(error));
    if (i == 0) reached();
    batch[i].done(reply.get(), {});
  }
}

nlohmann::json RedisBackend::health() const {
  nlohmann::json h = {
      {"backend", "redis"},
      {"url", redacted_url_},
      {"connected", connected_.load(std::memory_order_acquire) && !breaker_.is_open()},
      {"circuit_open", breaker_.is_open()},
      {"pool_size", options_.pool.pool_size},
      {"open_connections", pool_.open_connections()},
      {"idle_connections", pool_.idle_connections()},
      {"failures", breaker_.failures()}};
  std::string last = breaker_.last_error();
  h["last_error"] = last.empty() ? nlohmann::json(nullptr) : nlohmann::json(last);
  if (breaker_.is_open()) h["retry_in_ms"] = breaker_.retry_in_ms();
  return h;
}

void RedisBackend::shutdown() {
  stopped_.store(true, std::memory_order_release);
  pipeline_.stop();  // completes what is queued (as "stopped") before the pool goes
  pool_.shutdown();
}

}  // namespace sg::cache
