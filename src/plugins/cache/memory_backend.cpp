#include "memory_backend.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <system_error>
#include <vector>

namespace sg::cache {

namespace {

// Parses a counter the way Redis does: an optional '-', decimal digits, nothing else.
bool parse_int64(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

Outcome stopped_outcome() {
  return Outcome::fail(SG_ERR_UNAVAILABLE, "cache is stopped");
}

}  // namespace

struct alignas(64) MemoryBackend::Shard {
  struct Entry {
    std::string key;
    std::string value;
    Clock::time_point expires_at;  // meaningful only when has_expiry
    bool has_expiry = false;
    size_t charge = 0;
  };
  using List = std::list<Entry>;

  mutable std::mutex mu;
  List lru;  // front = most recently used
  // Keys view the std::string inside the list node, which never moves (std::list).
  std::unordered_map<std::string_view, List::iterator> index;
  uint64_t bytes = 0;
  uint64_t capacity = 0;

  static size_t charge_of(std::string_view key, std::string_view value) {
    return key.size() + value.size() + kEntryOverhead;
  }

  bool expired(const Entry& e, Clock::time_point now) const {
    return e.has_expiry && e.expires_at <= now;
  }

  void erase(List::iterator it) {
    bytes -= it->charge;
    index.erase(std::string_view(it->key));
    lru.erase(it);
  }

  // The live entry for `key`, dropping it first if it has expired. Counts expirations.
  List::iterator find_live(std::string_view key, Clock::time_point now,
                           std::atomic<uint64_t>& expirations) {
    auto found = index.find(key);
    if (found == index.end()) return lru.end();
    auto it = found->second;
    if (expired(*it, now)) {
      erase(it);
      expirations.fetch_add(1, std::memory_order_relaxed);
      return lru.end();
    }
    return it;
  }

  void touch(List::iterator it) { lru.splice(lru.begin(), lru, it); }

  static void set_expiry(Entry& e, uint64_t ttl_ms, Clock::time_point now) {
    e.has_expiry = ttl_ms > 0;
    if (e.has_expiry) e.expires_at = now + std::chrono::milliseconds(ttl_ms);
  }

  // Inserts a new entry at the front (the caller checked absence and size).
  void insert(std::string_view key, std::string_view value, uint64_t ttl_ms,
              Clock::time_point now) {
    lru.emplace_front();
    Entry& e = lru.front();
    e.key.assign(key);
    e.value.assign(value);
    set_expiry(e, ttl_ms, now);
    e.charge = charge_of(key, value);
    bytes += e.charge;
    index.emplace(std::string_view(e.key), lru.begin());
  }

  void replace_value(List::iterator it, std::string_view value) {
    size_t charge = charge_of(it->key, value);
    bytes = bytes - it->charge + charge;
    it->charge = charge;
    it->value.assign(value);
  }

  // Evicts from the cold end until within budget, never evicting `keep`. Expired entries go
  // first in practice because they are rarely touched, but any cold entry is fair game.
  void evict(List::iterator keep, std::atomic<uint64_t>& evictions) {
    while (bytes > capacity && !lru.empty()) {
      auto victim = std::prev(lru.end());
      if (victim == keep) break;
      erase(victim);
      evictions.fetch_add(1, std::memory_order_relaxed);
    }
  }
};

MemoryBackend::MemoryBackend(MemoryOptions options)
    : options_(options),
      shard_capacity_(options.max_bytes / (options.shards == 0 ? 1 : options.shards)),
      shards_(std::make_unique<Shard[]>(options.shards == 0 ? 1 : options.shards)) {
  if (options_.shards == 0) options_.shards = 1;
  for (uint32_t i = 0; i < options_.shards; ++i) shards_[i].capacity = shard_capacity_;
}

MemoryBackend::~MemoryBackend() = default;

MemoryBackend::Shard& MemoryBackend::shard_for(std::string_view key) const {
  // Mix the high bits in so that the shard choice and the index's bucket choice (which uses
  // the low bits of the same hash) are not correlated.
  uint64_t h = std::hash<std::string_view>{}(key);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return shards_[h % options_.shards];
}

Outcome MemoryBackend::check_fits(std::string_view key, std::string_view value) const {
  uint64_t charge = Shard::charge_of(key, value);
  if (charge > shard_capacity_) {
    return Outcome::fail(SG_ERR_LIMIT, "entry of " + std::to_string(charge) +
                                           " bytes exceeds the per-shard budget of " +
                                           std::to_string(shard_capacity_) +
                                           " bytes (memory.max_bytes / memory.shards)");
  }
  return Outcome::success();
}

Outcome MemoryBackend::get(std::string_view key, std::string& out) {
  if (stopped_.load(std::memory_order_acquire)) return stopped_outcome();
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  auto it = s.find_live(key, Clock::now(), expirations_);
  if (it == s.lru.end()) return Outcome::fail(SG_ERR_NOT_FOUND, "no such key");
  s.touch(it);
  out.assign(it->value);
  return Outcome::success();
}

Outcome MemoryBackend::get_many(const std::vector<std::string_view>& keys,
                                std::vector<std::optional<std::string>>& out) {
  out.clear();
  if (stopped_.load(std::memory_order_acquire)) return stopped_outcome();
  std::vector<std::optional<std::string>> values(keys.size());
  auto now = Clock::now();
  // One shard lock at a time, exactly as get(): not a snapshot across keys.
  for (size_t i = 0; i < keys.size(); ++i) {
    Shard& s = shard_for(keys[i]);
    std::lock_guard lock(s.mu);
    auto it = s.find_live(keys[i], now, expirations_);
    if (it == s.lru.end()) continue;
    s.touch(it);
    values[i].emplace(it->value);
  }
  out = std::move(values);
  return Outcome::success();
}

Outcome MemoryBackend::set(std::string_view key, std::string_view value, uint64_t ttl_ms) {
  if (stopped_.load(std::memory_order_acquire)) return stopped_outcome();
  if (Outcome fits = check_fits(key, value); !fits.ok()) return fits;
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  auto now = Clock::now();
  auto it = s.find_live(key, now, expirations_);
  if (it == s.lru.end()) {
    s.insert(key, value, ttl_ms, now);
    it = s.lru.begin();
  } else {
    s.replace_value(it, value);
    Shard::set_expiry(*it, ttl_ms, now);
    s.touch(it);
  }
  s.evict(it, evictions_);
  return Outcome::success();
}

Outcome MemoryBackend::set_if_absent(std::string_view key, std::string_view value,
                                     uint64_t ttl_ms) {
  if (stopped_.load(std::memory_order_acquire)) return stopped_outcome();
  if (Outcome fits = check_fits(key, value); !fits.ok()) return fits;
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  auto now = Clock::now();
  if (s.find_live(key, now, expirations_) != s.lru.end()) {
    return Outcome::fail(SG_ERR_EXISTS, "key already present");
  }
  s.insert(key, value, ttl_ms, now);
  s.evict(s.lru.begin(), evictions_);
  return Outcome::success();
}

Outcome MemoryBackend::del(std::string_view key, bool& removed) {
  if (stopped_.load(std::memory_order_acquire)) return stopped_outcome();
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  auto it = s.find_live(key, Clock::now(), expirations_);
  removed = it != s.lru.end();
  if (removed) s.erase(it);
  return Outcome::success();
}

Outcome MemoryBackend::incr(std::string_view key, int64_t delta, uint64_t ttl_ms, int64_t& out) {
  if (stopped_.load(std::memory_order_acquire)) return stopped_outcome();
  // 20 digits and a sign bound any int64 text, so check the budget once up front.
  if (Outcome fits = check_fits(key, "-9223372036854775808"); !fits.ok()) return fits;
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  auto now = Clock::now();
  auto it = s.find_live(key, now, expirations_);
  if (it == s.lru.end()) {
    s.insert(key, std::to_string(delta), ttl_ms, now);
    it = s.lru.begin();
    out = delta;
  } else {
    int64_t current = 0;
    if (!parse_int64(it->value, current)) {
      return Outcome::fail(SG_ERR_INVALID, "value is not an integer");
    }
    int64_t next = 0;
    if (__builtin_add_overflow(current, delta, &next)) {
      return Outcome::fail(SG_ERR_INVALID, "increment would overflow a 64-bit integer");
    }
    s.replace_value(it, std::to_string(next));  // keeps the existing expiry (fixed window)
    s.touch(it);
    out = next;
  }
  s.evict(it, evictions_);
  return Outcome::success();
}

Outcome MemoryBackend::take(std::string_view key, std::string& out) {
  if (stopped_.load(std::memory_order_acquire)) return stopped_outcome();
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  auto it = s.find_live(key, Clock::now(), expirations_);
  if (it == s.lru.end()) return Outcome::fail(SG_ERR_NOT_FOUND, "no such key");
  out = std::move(it->value);
  s.erase(it);
  return Outcome::success();
}

void MemoryBackend::maintain() {
  // Walks each shard's hash index a few hundred buckets per lock hold, so readers of a full
  // 64 MiB cache wait microseconds for the sweep, not the milliseconds a whole-shard scan
  // takes. A rehash between chunks can make one pass skip or revisit a few buckets; that
  // is harmless (the next pass, or the next access, drops what this one missed).
  constexpr size_t kBucketsPerLock = 256;
  std::vector<Shard::List::iterator> victims;
  for (uint32_t i = 0; i < options_.shards; ++i) {
    Shard& s = shards_[i];
    for (size_t bucket = 0;;) {
      std::lock_guard lock(s.mu);
      size_t buckets = s.index.bucket_count();
      if (bucket >= buckets) break;
      size_t end = std::min(buckets, bucket + kBucketsPerLock);
      auto now = Clock::now();
      victims.clear();
      for (; bucket < end; ++bucket) {
        for (auto it = s.index.begin(bucket); it != s.index.end(bucket); ++it) {
          if (s.expired(*it->second, now)) victims.push_back(it->second);
        }
      }
      for (auto victim : victims) s.erase(victim);
      expirations_.fetch_add(victims.size(), std::memory_order_relaxed);
    }
  }
}

void MemoryBackend::shutdown() {
  stopped_.store(true, std::memory_order_release);
  for (uint32_t i = 0; i < options_.shards; ++i) {
    Shard& s = shards_[i];
    std::lock_guard lock(s.mu);
    s.index.clear();
    s.lru.clear();
    s.bytes = 0;
  }
}

uint64_t MemoryBackend::size_bytes() const {
  uint64_t total = 0;
  for (uint32_t i = 0; i < options_.shards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    total += shards_[i].bytes;
  }
  return total;
}

uint64_t MemoryBackend::key_count() const {
  uint64_t total = 0;
  for (uint32_t i = 0; i < options_.shards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    total += shards_[i].index.size();
  }
  return total;
}

nlohmann::json MemoryBackend::health() const {
  return {{"backend", "memory"},
          {"connected", !stopped_.load(std::memory_order_acquire)},
          {"keys", key_count()},
          {"bytes", size_bytes()},
          {"max_bytes", options_.max_bytes},
          {"shards", options_.shards},
          {"evictions", evictions()},
          {"expirations", expirations()}};
}

}  // namespace sg::cache
