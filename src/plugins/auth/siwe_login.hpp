// The Sign-In with Ethereum flow: nonces (single use, expiring, shared through the store)
// and login = parse + policy (domain, scheme, chain, time window) + signature (EOA or
// EIP-1271) + atomic nonce consumption -> session token.
#pragma once

#include <string>

#include "chains.hpp"
#include "config.hpp"
#include "kv_store.hpp"
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
std::string check_siwe_policy(const web3::SiweMessage& m, const AuthConfig& config,
                              std::string_view request_host, int64_t now, std::string* message);

class SiweLogin {
 public:
  SiweLogin(const AuthConfig& config, KvStore& store, const TokenService& tokens,
            const ChainRegistry& chains)
      : config_(config), store_(store), tokens_(tokens), chains_(chains) {}

  // A fresh nonce (32 alphanumeric chars, 128 bits) stored for nonce_ttl; nullopt + *status
  // when the store refuses.
  std::optional<std::string> issue_nonce(KvStatus* status) const;
  // Blocking when an EIP-1271 check reaches the chain.
  LoginResult login(std::string_view message, std::string_view signature,
                    std::string_view request_host) const;

 private:
  const AuthConfig& config_;
  KvStore& store_;
  const TokenService& tokens_;
  const ChainRegistry& chains_;
};

}  // namespace sg::auth
