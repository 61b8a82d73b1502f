// auth's shared state, handed by plugin.cpp to its domain files (service.cpp, routes.cpp,
// typed_data.cpp): the parsed config and everything auth.so does, without the plugin wiring.
// Usable in-process by tests and the benchmark. Thread-safe after construction.
#pragma once

#include <memory>

#include <streamgate/services/auth.h>

#include "chains.hpp"
#include "config.hpp"
#include "ens.hpp"
#include "gate.hpp"
#include "kv_store.hpp"
#include "metrics.hpp"
#include "security_store.hpp"
#include "siwe_login.hpp"
#include "tokens.hpp"

namespace sg::auth {

class Context {
 public:
  // `cache` may be null: gate answers then live in this process. `security` (nonces,
  // revocations) may be null: a MemorySecurityStore then (one process only: tests, bench).
  // Throws std::invalid_argument when config.jwt_secret is empty.
  Context(AuthConfig config, const sg_cache_service* cache, NowFn now = system_now,
          std::unique_ptr<SecurityStore> security = nullptr);

  const AuthConfig& config() const noexcept { return config_; }
  KvStore& store() noexcept { return *store_; }  // gate answers only
  SecurityStore& security() noexcept { return *security_; }
  const TokenService& tokens() const noexcept { return tokens_; }
  const ChainRegistry& chains() const noexcept { return chains_; }
  const GateChecker& gate() const noexcept { return gate_; }
  const SiweLogin& siwe() const noexcept { return siwe_; }
  // ENS names (its own cache is thread-safe).
  EnsLookup& ens() const noexcept { return ens_; }
  // Set once at start, before the core is shared; counters are thread-safe.
  AuthMetrics metrics;

  bool is_admin(const std::string& address) const;
  // The gateway's question: which verified identity does this session token carry?
  // SG_OK / SG_ERR_DENIED / SG_ERR_UNAVAILABLE; *message never contains the token.
  sg_status identify(std::string_view token, sg_http_identity* out, std::string* message) const;

 private:
  AuthConfig config_;
  std::unique_ptr<KvStore> store_;
  std::unique_ptr<SecurityStore> security_;
  TokenService tokens_;
  ChainRegistry chains_;
  GateChecker gate_;
  SiweLogin siwe_;
  mutable EnsLookup ens_;
};

}  // namespace sg::auth
