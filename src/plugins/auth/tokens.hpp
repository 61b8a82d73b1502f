// Session tokens (what identify() accepts) and playback tokens (one content id): both HS256
// JWTs, but with different keys, audiences and "typ" claims, so neither passes as the other.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "config.hpp"
#include "security_store.hpp"

namespace sg::auth {

int64_t system_now();
std::string random_token(size_t bytes);  // hex of `bytes` CSPRNG bytes

enum class Verdict { kOk, kDenied, kUnavailable };

struct SessionClaims {
  std::string address;  // EIP-55
  uint64_t chain_id = 0;
  std::string jti;
  int64_t exp = 0;
  int64_t auth_time = 0;  // when the wallet signed in (refresh keeps it)
};

struct SessionCheck {
  Verdict verdict = Verdict::kDenied;
  SessionClaims claims;
  std::string code;     // e.g. "expired", "revoked"
  std::string message;  // never contains the token
};

struct PlaybackClaims {
  std::string content_id;
  std::string address;  // "" for anonymous tokens
  uint64_t chain_id = 0;
  int64_t exp = 0;
};

class TokenService {
 public:
  TokenService(const AuthConfig& config, SecurityStore& store, NowFn now)
      : config_(config), store_(store), now_(std::move(now)) {}

  std::string mint_session(const std::string& address, uint64_t chain_id, int64_t auth_time,
                           SessionClaims* out = nullptr) const;
  // Signature, claims and revocation (in memory: never blocks, safe on a network thread).
  SessionCheck verify_session(std::string_view token) const;
  // Revokes a session id until its expiry (across instances when the store is shared).
  // Blocking (security store).
  KvStatus revoke(const SessionClaims& claims) const;

  std::string mint_playback(const std::string& content_id, const std::string& address,
                            uint64_t chain_id, int64_t ttl_seconds,
                            int64_t* exp_out = nullptr) const;
  std::optional<PlaybackClaims> verify_playback(std::string_view token, std::string_view content_id,
                                                std::string* reason) const;

  int64_t now() const { return now_(); }

 private:
  const AuthConfig& config_;
  SecurityStore& store_;
  NowFn now_;
};

}  // namespace sg::auth
