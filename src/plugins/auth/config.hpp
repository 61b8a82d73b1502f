// The auth plugin's configuration (plugins.auth), parsed and validated once at create().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "web3/rpc_client.hpp"

namespace sg::auth {

struct AuthConfig {
  std::string jwt_secret;       // session-token HMAC key
  std::string playback_secret;  // playback-token key; derived from jwt_secret when unset
  std::string issuer = "streamgate";
  std::string session_audience = "streamgate-session";
  std::string playback_audience = "streamgate-playback";
  int64_t session_ttl = 3600;           // seconds
  int64_t session_max_age = 7 * 86400;  // refresh stops working this long after sign-in
  int64_t playback_ttl = 300;
  int64_t playback_max_ttl = 3600;
  int64_t nonce_ttl = 300;
  int64_t clock_skew = 60;
  std::vector<std::string> domains;  // SIWE domains accepted; empty = the request's Host
  std::vector<std::string> schemes{"http", "https"};
  std::vector<uint64_t> chain_ids;  // SIWE chain allow-list; empty = configured chains + 1
  std::vector<std::string> admins;  // EIP-55 addresses (any case in config)
  bool cookie_enabled = true;
  bool cookie_secure = true;
  std::string cookie_same_site = "Strict";
  std::vector<web3::ChainConfig> chains;
  int64_t gate_has_ttl = 60;      // seconds an "allowed" answer is cached
  int64_t gate_has_not_ttl = 15;  // seconds a "denied" answer is cached
  size_t memory_store_max_entries = 200000;
};

// Parses plugins.auth. dev_mode comes from server.dev_mode: outside it a missing, default or
// short (< 32 bytes) secret is refused. Throws std::invalid_argument with a message that
// names the key but never the secret's value.
AuthConfig parse_config(const nlohmann::json& section, bool dev_mode);

}  // namespace sg::auth
