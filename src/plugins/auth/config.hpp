// The auth plugin's configuration (plugins.auth), parsed and validated once at create().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "web3/rpc_client.hpp"

namespace sg::auth {

// Keys shorter than this are refused outside server.dev_mode.
constexpr size_t kMinSecretBytes = 32;

struct AuthConfig {
  // Session-token HMAC key. Empty after parse_config only in dev mode with none configured:
  // the plugin then generates one under server.data_dir and calls set_jwt_secret().
  std::string jwt_secret;
  std::string playback_secret;             // playback-token key; derived from jwt_secret when unset
  std::string playback_secret_configured;  // as configured ("" = derive)
  std::string issuer = "streamgate";
  std::string session_audience = "streamgate-session";
  std::string playback_audience = "streamgate-playback";
  int64_t session_ttl = 3600;           // seconds
  int64_t session_max_age = 7 * 86400;  // refresh stops working this long after sign-in
  int64_t playback_ttl = 300;
  int64_t playback_max_ttl = 3600;
  int64_t nonce_ttl = 300;
  int64_t clock_skew = 60;
  // SIWE domains accepted. Never the request's Host header: when none are configured the
  // plugin derives them from the gateway's address and public_base_url (siwe_domains.hpp).
  std::vector<std::string> domains;
  std::string public_base_url;  // e.g. https://video.example.com: its authority is a domain
  std::vector<std::string> schemes{"http", "https"};
  std::vector<uint64_t> chain_ids;  // SIWE chain allow-list; empty = configured chains + 1
  std::vector<std::string> admins;  // EIP-55 addresses (any case in config)
  bool cookie_enabled = true;
  bool cookie_secure = true;
  std::string cookie_same_site = "Strict";
  std::vector<web3::ChainConfig> chains;
  int64_t gate_has_ttl = 60;                 // seconds an "allowed" answer is cached
  int64_t gate_has_not_ttl = 15;             // seconds a "denied" answer is cached
  size_t memory_store_max_entries = 200000;  // gate answers when no cache service is loaded
  // Security state (nonces, revocations) lives in its own SQL-backed store, never evicted.
  size_t max_nonces = 100000;                   // live nonces; beyond, nonce issuance answers 503
  int64_t revocation_refresh_ms = 1000;         // how often other instances' revocations are read
  int64_t revocation_max_staleness_ms = 15000;  // older revocation view = sessions unverifiable
  // POST /api/v1/auth/eip712/verify requests in flight at once; more are answered 503.
  size_t eip712_max_in_flight = 4;
  // ENS names for addresses (GET /api/v1/web3/ens/{address}): looked up on this chain when
  // it is configured, in this registry (the ENS registry's address on Ethereum and its
  // testnets). Names are cached for ens_ttl seconds.
  uint64_t ens_chain_id = 1;
  std::string ens_registry = "0x00000000000C2E074eC69A0dFb2997BA6C7d2e1e";
  int64_t ens_ttl = 3600;
};

// Parses plugins.auth. dev_mode comes from server.dev_mode: outside it a missing or short
// (< 32 bytes) secret is refused. Throws std::invalid_argument with a message that names the
// key but never the secret's value.
AuthConfig parse_config(const nlohmann::json& section, bool dev_mode);

// Installs the session key and derives the playback key from it unless one is configured
// (throws std::invalid_argument when they would be equal).
void set_jwt_secret(AuthConfig& config, std::string secret);

}  // namespace sg::auth
