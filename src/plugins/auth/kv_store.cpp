#include "kv_store.hpp"

#include <streamgate/plugin.hpp>

namespace sg::auth {

// --- MemoryStore ------------------------------------------------------------------------

bool MemoryStore::make_room_locked(Clock::time_point now) {
  if (map_.size() < max_entries_) return true;
  // Full: drop expired entries first; a map still full means refuse (bounded memory beats
  // evicting live nonces or revocations).
  for (auto it = map_.begin(); it != map_.end();) {
    it = it->second.expires <= now ? map_.erase(it) : std::next(it);
  }
  return map_.size() < max_entries_;
}

KvStatus MemoryStore::get(const std::string& key, std::string* value) {
  std::lock_guard lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) return KvStatus::kMissing;
  if (it->second.expires <= Clock::now()) {
    map_.erase(it);
    return KvStatus::kMissing;
  }
  if (value != nullptr) *value = it->second.value;
  return KvStatus::kOk;
}

KvStatus MemoryStore::set(const std::string& key, const std::string& value,
                          std::chrono::seconds ttl) {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  if (map_.find(key) == map_.end() && !make_room_locked(now)) return KvStatus::kFull;
  map_[key] = Entry{value, now + ttl};
  return KvStatus::kOk;
}

KvStatus MemoryStore::set_if_absent(const std::string& key, const std::string& value,
                                    std::chrono::seconds ttl) {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  auto it = map_.find(key);
  if (it != map_.end() && it->second.expires > now) return KvStatus::kExists;
  if (it == map_.end() && !make_room_locked(now)) return KvStatus::kFull;
  map_[key] = Entry{value, now + ttl};
  return KvStatus::kOk;
}

KvStatus MemoryStore::take(const std::string& key, std::string* value) {
  std::lock_guard lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) return KvStatus::kMissing;
  bool live = it->second.expires > Clock::now();
  if (live && value != nullptr) *value = std::move(it->second.value);
  map_.erase(it);
  return live ? KvStatus::kOk : KvStatus::kMissing;
}

size_t MemoryStore::size() {
  std::lock_guard lock(mu_);
  return map_.size();
}

// --- CacheServiceStore ------------------------------------------------------------------

namespace {

KvStatus map_status(sg_status st) {
  switch (st) {
    case SG_OK:
      return KvStatus::kOk;
    case SG_ERR_NOT_FOUND:
      return KvStatus::kMissing;
    case SG_ERR_EXISTS:
      return KvStatus::kExists;
    default:
      return KvStatus::kUnavailable;
  }
}

uint64_t ms(std::chrono::seconds ttl) {
  return static_cast<uint64_t>(ttl.count()) * 1000;
}

}  // namespace

KvStatus CacheServiceStore::get(const std::string& key, std::string* value) {
  cache::Reply r = cache_.get(key);
  if (r.status == SG_OK && value != nullptr) *value = std::move(r.value);
  return map_status(r.status);
}

KvStatus CacheServiceStore::set(const std::string& key, const std::string& value,
                                std::chrono::seconds ttl) {
  return map_status(cache_.set(key, value, ms(ttl)).status);
}

KvStatus CacheServiceStore::set_if_absent(const std::string& key, const std::string& value,
                                          std::chrono::seconds ttl) {
  return map_status(cache_.set_if_absent(key, value, ms(ttl)).status);
}

KvStatus CacheServiceStore::take(const std::string& key, std::string* value) {
  cache::Reply r = cache_.take(key);
  if (r.status == SG_OK && value != nullptr) *value = std::move(r.value);
  return map_status(r.status);
}

}  // namespace sg::auth
