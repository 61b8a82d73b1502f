#include "security_store.hpp"

namespace sg::auth {

// --- RevocationSet ----------------------------------------------------------------------

void RevocationSet::add(const std::string& jti, int64_t until) {
  std::unique_lock lock(mu_);
  int64_t& u = until_[jti];
  u = std::max(u, until);
}

bool RevocationSet::contains(const std::string& jti) const {
  std::shared_lock lock(mu_);
  auto it = until_.find(jti);
  return it != until_.end() && it->second > now_();
}

size_t RevocationSet::prune() {
  int64_t now = now_();
  std::unique_lock lock(mu_);
  std::erase_if(until_, [now](const auto& kv) { return kv.second <= now; });
  return until_.size();
}

size_t RevocationSet::size() const {
  std::shared_lock lock(mu_);
  return until_.size();
}

// --- MemorySecurityStore ----------------------------------------------------------------

KvStatus MemorySecurityStore::add_nonce(const std::string& nonce, int64_t expires_at) {
  int64_t now = now_();
  std::lock_guard lock(mu_);
  if (auto it = nonces_.find(nonce); it != nonces_.end() && it->second > now)
    return KvStatus::kExists;
  if (nonces_.size() >= max_nonces_)
    std::erase_if(nonces_, [now](const auto& kv) { return kv.second <= now; });
  if (nonces_.size() >= max_nonces_) return KvStatus::kFull;
  nonces_[nonce] = expires_at;
  return KvStatus::kOk;
}

KvStatus MemorySecurityStore::take_nonce(const std::string& nonce) {
  std::lock_guard lock(mu_);
  auto it = nonces_.find(nonce);
  if (it == nonces_.end()) return KvStatus::kMissing;
  bool live = it->second > now_();
  nonces_.erase(it);
  return live ? KvStatus::kOk : KvStatus::kMissing;
}

KvStatus MemorySecurityStore::revoke(const std::string& jti, int64_t until) {
  revoked_.add(jti, until);
  if (revokes_.fetch_add(1, std::memory_order_relaxed) % 1024 == 1023) revoked_.prune();
  return KvStatus::kOk;
}

KvStatus MemorySecurityStore::is_revoked(const std::string& jti) const {
  return revoked_.contains(jti) ? KvStatus::kOk : KvStatus::kMissing;
}

}  // namespace sg::auth
