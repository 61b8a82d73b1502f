#include "content_cache.hpp"

#include <cstddef>
#include <memory>
#include <string_view>

#include "sql/util.hpp"

namespace sg::metadata {
namespace {

std::string body_key(const std::string& id) {
  return "content:v2:" + id;
}
std::string gen_key(const std::string& id) {
  return "content:v2:" + id + ":gen";
}

}  // namespace

ContentCache::ContentCache(Host host, const sg_cache_service* service, uint64_t ttl_ms)
    : host_(host), svc_(service), ttl_ms_(ttl_ms) {
  // Members newer than the provider's table must not be read at all (append-only ABI).
  if (svc_->struct_size >= offsetof(sg_cache_service, get_many) + sizeof(svc_->get_many))
    get_many_ = svc_->get_many;
  if (svc_->struct_size >=
      offsetof(sg_cache_service, get_many_async) + sizeof(svc_->get_many_async))
    get_many_async_ = svc_->get_many_async;
}

namespace {

struct PendingLookup {
  ContentCache* cache;
  std::function<void(ContentCache::QuickLookup)> done;
  std::string gkey, bkey;
};

// The body when `cached` is "<token>\n<body>" for the current, non-empty `token`.
std::optional<std::string> body_under(std::string_view token, std::string_view cached) {
  if (token.empty() || cached.size() <= token.size() || cached.substr(0, token.size()) != token ||
      cached[token.size()] != '\n')
    return std::nullopt;
  return std::string(cached.substr(token.size() + 1));
}

}  // namespace

void ContentCache::lookup_async(const std::string& id, std::function<void(QuickLookup)> done) {
  auto pending = std::make_unique<PendingLookup>(
      PendingLookup{this, std::move(done), gen_key(id), body_key(id)});
  const char* keys[2] = {pending->gkey.data(), pending->bkey.data()};
  size_t sizes[2] = {pending->gkey.size(), pending->bkey.size()};
  {
    std::lock_guard lock(inflight_mu_);
    ++inflight_;
  }
  // The provider calls on_lookup exactly once whatever it returns (cache.h), which frees it.
  get_many_async_(svc_->self, keys, sizes, 2, &ContentCache::on_lookup, pending.release());
}

void ContentCache::on_lookup(void* user, sg_status status, const sg_cache_value* values,
                             const sg_status* statuses, const sg_error*) noexcept {
  std::unique_ptr<PendingLookup> pending(static_cast<PendingLookup*>(user));
  ContentCache& self = *pending->cache;
  QuickLookup result;
  if (status == SG_OK && statuses[0] == SG_OK) {
    std::string_view token(values[0].data, values[0].size);
    if (statuses[1] == SG_OK)
      result.body = body_under(token, std::string_view(values[1].data, values[1].size));
    if (!result.body) result.token = std::string(token);
  }
  if (result.body) self.hits_.fetch_add(1, std::memory_order_relaxed);
  try {
    pending->done(std::move(result));
  } catch (...) {  // documented as swallowed: nothing may cross the C boundary
  }
  pending.reset();  // the callback's captures go before stop() may proceed
  self.lookup_finished();
}

void ContentCache::lookup_finished() noexcept {
  std::lock_guard lock(inflight_mu_);
  if (--inflight_ == 0) inflight_cv_.notify_all();
}

bool ContentCache::wait_idle(std::chrono::milliseconds limit) {
  std::unique_lock lock(inflight_mu_);
  return inflight_cv_.wait_for(lock, limit, [this] { return inflight_ == 0; });
}

bool ContentCache::read_both(const std::string& gkey, const std::string& bkey,
                             std::optional<std::string>& token, std::optional<std::string>& body,
                             bool& bad) {
  const char* keys[2] = {gkey.data(), bkey.data()};
  size_t sizes[2] = {gkey.size(), bkey.size()};
  sg_owned_str values[2] = {};
  sg_status statuses[2] = {};
  sg_error err{};
  sg_status st = get_many_(svc_->self, keys, sizes, 2, values, statuses, &err);
  if (st != SG_OK) {
    bad = true;
    failed(st, "read");
    return false;
  }
  succeeded();
  if (statuses[0] == SG_OK) token = take_owned(values[0]);
  if (statuses[1] == SG_OK) body = take_owned(values[1]);
  return true;
}

std::optional<std::string> ContentCache::read(const std::string& key, bool& bad) {
  sg_owned_str out{};
  sg_error err{};
  sg_status st = svc_->get(svc_->self, key.data(), key.size(), &out, &err);
  if (st == SG_OK) {
    succeeded();
    return take_owned(out);
  }
  if (st != SG_ERR_NOT_FOUND) {
    bad = true;
    failed(st, "read");
  }
  return std::nullopt;
}

bool ContentCache::write(const std::string& key, const std::string& value, uint64_t ttl_ms,
                         bool only_new) {
  sg_error err{};
  sg_status st = only_new ? svc_->set_if_absent(svc_->self, key.data(), key.size(), value.data(),
                                                value.size(), ttl_ms, &err)
                          : svc_->set(svc_->self, key.data(), key.size(), value.data(),
                                      value.size(), ttl_ms, &err);
  if (st == SG_OK) {
    succeeded();
    return true;
  }
  if (st != SG_ERR_EXISTS) failed(st, "write");
  return false;
}

ContentCache::Lookup ContentCache::get(const std::string& id, const std::string& known_token) {
  Lookup out;
  if (!known_token.empty()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    out.token = known_token;
    return out;
  }
  bool bad = false;
  std::string gkey = gen_key(id);
  std::string bkey = body_key(id);
  std::optional<std::string> token, cached;
  bool have_body = false;  // `cached` already holds the body read with the token
  if (get_many_ != nullptr)
    have_body = read_both(gkey, bkey, token, cached, bad);
  else
    token = read(gkey, bad);
  if (!token && !bad) {
    // No generation yet: create one; a concurrent creator may win, then read theirs.
    std::string fresh = sql::uuid_v4();
    if (write(gkey, fresh, 2 * ttl_ms_, true))
      token = fresh;
    else
      token = read(gkey, bad);
  }
  if (!token || token->empty()) {  // cache unusable now: go to the database, store nothing
    errors_.fetch_add(bad ? 1 : 0, std::memory_order_relaxed);
    misses_.fetch_add(1, std::memory_order_relaxed);
    return out;
  }
  // With get_many the body was read alongside the token. When the token had to be created
  // first, that body predates it and almost surely does not carry it: a miss (always safe).
  if (!have_body) cached = read(bkey, bad);
  if (cached) out.body = body_under(*token, *cached);
  if (out.body) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    return out;
  }
  if (bad) errors_.fetch_add(1, std::memory_order_relaxed);
  misses_.fetch_add(1, std::memory_order_relaxed);
  if (!bad) out.token = std::move(*token);
  return out;
}

void ContentCache::put(const std::string& id, const std::string& token, const std::string& body) {
  if (token.empty()) return;
  if (!write(body_key(id), token + "\n" + body, ttl_ms_, false))
    errors_.fetch_add(1, std::memory_order_relaxed);
}

void ContentCache::invalidate(const std::string& id) {
  invalidations_.fetch_add(1, std::memory_order_relaxed);
  // New generation first (makes every stored body of this id unusable), then free the body.
  if (!write(gen_key(id), sql::uuid_v4(), 2 * ttl_ms_, false))
    errors_.fetch_add(1, std::memory_order_relaxed);
  std::string key = body_key(id);
  sg_error err{};
  sg_status st = svc_->del(svc_->self, key.data(), key.size(), nullptr, &err);
  if (st == SG_OK) {
    succeeded();
  } else {
    errors_.fetch_add(1, std::memory_order_relaxed);
    failed(st, "delete");
  }
}

void ContentCache::failed(sg_status st, const char* what) {
  // Once per outage; the cache plugin logs the cause itself (its messages may carry the
  // backend address, so they are not repeated here).
  if (!failing_.exchange(true))
    host_.warn(std::string("metadata: cache ") + what + " failed (status " + std::to_string(st) +
               "); reading from the database until it recovers");
}

void ContentCache::succeeded() {
  if (failing_.load(std::memory_order_relaxed) && failing_.exchange(false))
    host_.info("metadata: cache recovered");
}

json ContentCache::health() const {
  return json{{"enabled", true},
              {"ttl_ms", ttl_ms_},
              {"degraded", failing_.load()},
              {"hits", hits_.load()},
              {"misses", misses_.load()},
              {"errors", errors_.load()},
              {"invalidations", invalidations_.load()}};
}

}  // namespace sg::metadata
