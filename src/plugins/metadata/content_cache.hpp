// Read-through cache of GET /api/v1/content/{id} bodies on service `cache` v1 (optional).
//
// Keys, per content id:
//   content:v2:<id>       "<token>\n<visibility>\n<public JSON>"  TTL = cache_ttl_ms
//   content:v2:<id>:gen   "<token>" (random)                        TTL = 2 x cache_ttl_ms
// A cached body is served only when its token equals the current generation token. Every
// write replaces the token (after the database commit) and deletes the body. A reader that
// missed, read the database before a commit and stores its (old) body afterwards stores it
// under the old token, which no later reader accepts: once a write has returned, no GET
// started after it can see the previous version. Tokens are random, so an evicted or
// expired generation key can never revive an old body.
//
// Remaining bound: when the cache is unreachable during the invalidation (the generation
// cannot be replaced) but reachable again before the old body expires, that body may be
// served for at most cache_ttl_ms. Keep the TTL short.
//
// A lookup reads both keys in ONE cache round trip (get_many, cache v1.1) when the provider
// has it; a v1.0 provider (struct_size ending before get_many) gets two get() calls.
//
// Every call but lookup_async may block (Redis): call them from the blocking pool or an event
// thread, never a network thread. lookup_async (cache v1.2 get_many_async) never blocks: a
// GET answers a hit without leaving the network thread (memory backend) or from the cache's
// pipelining thread (Redis), and only a miss goes to the blocking pool. Cache failures are never
// errors: a failed lookup is a miss, a failed store or invalidation is logged once (per outage) and
// counted.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include <streamgate/services/cache.h>
#include <streamgate/plugin.hpp>

namespace sg::metadata {

class ContentCache {
 public:
  ContentCache(Host host, const sg_cache_service* service, uint64_t ttl_ms);

  struct Lookup {
    std::optional<std::string> body;  // set on a hit
    std::string token;                // on a miss: store under this; empty = do not store
  };
  // known_token: the generation a lookup_async just read (QuickLookup::token). The cache is
  // then not read again: the miss is counted and the body is to be stored under it.
  Lookup get(const std::string& id, const std::string& known_token = {});
  void put(const std::string& id, const std::string& token, const std::string& body);
  // After a committed write or delete of `id`.
  void invalidate(const std::string& id);

  // True when the provider has get_many_async (cache v1.2).
  bool can_lookup_async() const noexcept { return get_many_async_ != nullptr; }
  struct QuickLookup {
    std::optional<std::string> body;  // set on a hit
    std::string token;  // on a miss, the generation read ("" = none: get() creates one)
  };
  // Non-blocking hit check: `done` gets the body on a hit; on anything else (a miss, a
  // stale body, an unreachable cache) use get(id, token) from the blocking pool, which
  // counts the miss and reads the cache again only when no token was read. `done` runs
  // once, on this thread or on a cache thread; it must not block and should not throw (an
  // exception is swallowed).
  void lookup_async(const std::string& id, std::function<void(QuickLookup)> done);
  // Waits (up to `limit`) until every lookup_async has called its `done`: call before the
  // object or whatever the callbacks use goes away. False on timeout.
  bool wait_idle(std::chrono::milliseconds limit);

  json health() const;

 private:
  std::optional<std::string> read(const std::string& key, bool& failed);
  // get_many of {gen key, body key}; false (and `failed` set) when the call failed.
  bool read_both(const std::string& gkey, const std::string& bkey,
                 std::optional<std::string>& token, std::optional<std::string>& body, bool& failed);
  bool write(const std::string& key, const std::string& value, uint64_t ttl_ms, bool only_new);
  void failed(sg_status st, const char* what);
  static void on_lookup(void* user, sg_status status, const sg_cache_value* values,
                        const sg_status* statuses, const sg_error* err) noexcept;
  void lookup_finished() noexcept;
  void succeeded();

  Host host_;
  const sg_cache_service* svc_;
  // svc_->get_many when the table is v1.1 or newer and provides it; NULL = two get() calls.
  decltype(sg_cache_service::get_many) get_many_ = nullptr;
  decltype(sg_cache_service::get_many_async) get_many_async_ = nullptr;  // v1.2, or NULL
  std::mutex inflight_mu_;
  std::condition_variable inflight_cv_;
  size_t inflight_ = 0;  // lookup_async calls whose `done` has not returned yet
  uint64_t ttl_ms_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, errors_{0}, invalidations_{0};
  std::atomic<bool> failing_{false};
};

}  // namespace sg::metadata
