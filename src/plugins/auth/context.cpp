#include "context.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace sg::auth {

namespace {
std::unique_ptr<KvStore> make_store(const sg_cache_service* cache, size_t max_entries) {
  if (cache != nullptr) return std::make_unique<CacheServiceStore>(cache);
  return std::make_unique<MemoryStore>(max_entries);
}

const AuthConfig& checked(const AuthConfig& c) {
  // Never sign with an empty key (the dev-mode key is generated before the core is built).
  if (c.jwt_secret.empty() || c.playback_secret.empty())
    throw std::invalid_argument("auth: no session key configured");
  return c;
}
}  // namespace

Context::Context(AuthConfig config, const sg_cache_service* cache, NowFn now,
                 std::unique_ptr<SecurityStore> security)
    : config_(checked(config)),
      store_(make_store(cache, config_.memory_store_max_entries)),
      security_(security ? std::move(security)
                         : std::make_unique<MemorySecurityStore>(config_.max_nonces, now)),
      tokens_(config_, *security_, std::move(now)),
      chains_(config_.chains),
      gate_(config_, chains_, *store_),
      siwe_(config_, *security_, tokens_, chains_),
      ens_(chains_.find(config_.ens_chain_id), config_.ens_registry,
           std::chrono::seconds(config_.ens_ttl)) {}

void count_gate(Context& core, const GateAnswer& a) {
  if (a.status == GateStatus::kUnavailable) core.metrics.gate_unavailable.add();
  if (a.status != GateStatus::kOk) return;
  (a.allowed ? core.metrics.gate_allowed : core.metrics.gate_denied).add();
  if (a.cached) core.metrics.gate_cached.add();
}

bool Context::is_admin(const std::string& address) const {
  return std::find(config_.admins.begin(), config_.admins.end(), address) != config_.admins.end();
}

sg_status Context::identify(std::string_view token, sg_http_identity* out,
                            std::string* message) const {
  *out = sg_http_identity{};
  SessionCheck c = tokens_.verify_session(token);
  if (c.verdict == Verdict::kUnavailable) {
    *message = c.message;
    return SG_ERR_UNAVAILABLE;
  }
  if (c.verdict != Verdict::kOk) {
    *message = c.code + ": " + c.message;
    return SG_ERR_DENIED;
  }
  out->authenticated = 1;
  std::memcpy(out->address, c.claims.address.data(), std::min<size_t>(c.claims.address.size(), 42));
  out->chain_id = c.claims.chain_id;
  out->is_admin = is_admin(c.claims.address) ? 1 : 0;
  return SG_OK;
}

}  // namespace sg::auth
