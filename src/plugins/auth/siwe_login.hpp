// The Sign-In with Ethereum flow: nonces (single use, expiring, in the security store)
// and login = parse + policy (domain, scheme, chain, time window) + signature (EOA or
// EIP-1271) + atomic nonce consumption -> session token.
#pragma once

#include <string>

#include "chains.hpp"
#include "config.hpp"
#include "security_store.hpp"
#include "tokens.hpp"
#include "web3/siwe.hpp"

namespace sg::auth {

struct LoginResult {
  int status = 500;  // HTTP status: 200 on success
  std::string code;  // error code when status != 200
  std::string message;
  std::string token;
  SessionClaims claims;
};

// Policy checks on a parsed message; "" when acceptable, else an error code (+ *message).
// The domain must be one of config.domains (an empty list accepts none): the request's Host
// header is never consulted, since a relaying attacker chooses it.
std::string check_siwe_policy(const web3::SiweMessage& m, const AuthConfig& config, int64_t now,
                              std::string* message);

class SiweLogin {
 public:
  SiweLogin(const AuthConfig& config, SecurityStore& store, const TokenService& tokens,
            const ChainRegistry& chains)
      : config_(config), store_(store), tokens_(tokens), chains_(chains) {}

  // A fresh nonce (32 alphanumeric chars, 128 bits) stored for nonce_ttl; nullopt + *status
  // when the store refuses (kFull at the configured bound). Blocking (security store).
  std::optional<std::string> issue_nonce(KvStatus* status) const;
  // Blocking: the security store, and the chain when an EIP-1271 check reaches it.
  LoginResult login(std::string_view message, std::string_view signature) const;

 private:
  const AuthConfig& config_;
  SecurityStore& store_;
  const TokenService& tokens_;
  const ChainRegistry& chains_;
};

}  // namespace sg::auth
