#include "config.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "siwe_domains.hpp"
#include "web3/address.hpp"

namespace sg::auth {

namespace {

using nlohmann::json;

// Keys that were published in this project's source (the old built-in development key):
// anyone can sign sessions with them, so they are refused everywhere, even in dev mode.
constexpr std::string_view kRetiredPublicKeys[] = {
    "streamgate-dev-secret-change-me-streamgate-dev"};

bool is_public_key(std::string_view key) {
  return std::find(std::begin(kRetiredPublicKeys), std::end(kRetiredPublicKeys), key) !=
         std::end(kRetiredPublicKeys);
}

template <typename T>
T get_or(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw std::invalid_argument(std::string("plugins.auth.") + key + " has the wrong type");
  }
}

int64_t positive(const json& j, const char* key, int64_t fallback) {
  int64_t v = get_or<int64_t>(j, key, fallback);
  if (v <= 0) throw std::invalid_argument(std::string("plugins.auth.") + key + " must be > 0");
  return v;
}

std::string derive(std::string_view key, std::string_view label) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(label.data()), label.size(), out.data(), &len);
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

}  // namespace

void set_jwt_secret(AuthConfig& c, std::string secret) {
  if (secret.empty()) throw std::invalid_argument("plugins.auth.jwt_secret is empty");
  c.jwt_secret = std::move(secret);
  c.playback_secret = c.playback_secret_configured;
  if (c.playback_secret == c.jwt_secret)
    throw std::invalid_argument("plugins.auth.playback_secret must differ from jwt_secret");
  // A separate key even when not configured: HMAC(jwt_secret, label) is unrelated to it.
  if (c.playback_secret.empty())
    c.playback_secret = derive(c.jwt_secret, "streamgate playback token key v1");
}

AuthConfig parse_config(const json& s, bool dev_mode) {
  if (!s.is_object()) throw std::invalid_argument("plugins.auth must be a mapping");
  // Unknown keys are refused: a typo in a security setting must not silently fall back.
  static const char* const kKeys[] = {"enabled",
                                      "jwt_secret",
                                      "playback_secret",
                                      "issuer",
                                      "session_audience",
                                      "playback_audience",
                                      "session_ttl_seconds",
                                      "session_max_age_seconds",
                                      "playback_ttl_seconds",
                                      "playback_max_ttl_seconds",
                                      "nonce_ttl_seconds",
                                      "clock_skew_seconds",
                                      "domains",
                                      "schemes",
                                      "chain_ids",
                                      "admins",
                                      "cookie",
                                      "block_tag",
                                      "chains",
                                      "gate_cache",
                                      "public_base_url",
                                      "security_store",
                                      "eip712",
                                      "ens"};
  for (const auto& [key, value] : s.items()) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys))
      throw std::invalid_argument("plugins.auth." + key + " is not a known setting");
  }
  AuthConfig c;
  c.jwt_secret = get_or<std::string>(s, "jwt_secret", "");
  // There is no built-in key: outside dev mode the operator must supply a strong one; in dev
  // mode a missing one is generated and kept under server.data_dir (see set_jwt_secret).
  if (is_public_key(c.jwt_secret))
    throw std::invalid_argument(
        "plugins.auth.jwt_secret is the old published development key; use a random one");
  if (c.jwt_secret.size() < kMinSecretBytes && !dev_mode)
    throw std::invalid_argument(
        "plugins.auth.jwt_secret is missing or shorter than 32 bytes; set "
        "STREAMGATE_JWT_SECRET to a long random value (refused outside server.dev_mode)");
  c.playback_secret_configured = get_or<std::string>(s, "playback_secret", "");
  if (is_public_key(c.playback_secret_configured))
    throw std::invalid_argument(
        "plugins.auth.playback_secret is the old published development key; use a random one");
  if (!c.playback_secret_configured.empty() &&
      c.playback_secret_configured.size() < kMinSecretBytes && !dev_mode)
    throw std::invalid_argument("plugins.auth.playback_secret is shorter than 32 bytes");
  if (!c.jwt_secret.empty()) set_jwt_secret(c, c.jwt_secret);
  c.issuer = get_or<std::string>(s, "issuer", c.issuer);
  c.session_audience = get_or<std::string>(s, "session_audience", c.session_audience);
  c.playback_audience = get_or<std::string>(s, "playback_audience", c.playback_audience);
  if (c.session_audience == c.playback_audience)
    throw std::invalid_argument("plugins.auth session and playback audiences must differ");
  c.session_ttl = positive(s, "session_ttl_seconds", c.session_ttl);
  c.session_max_age = positive(s, "session_max_age_seconds", c.session_max_age);
  c.playback_ttl = positive(s, "playback_ttl_seconds", c.playback_ttl);
  c.playback_max_ttl = positive(s, "playback_max_ttl_seconds", c.playback_max_ttl);
  c.nonce_ttl = positive(s, "nonce_ttl_seconds", c.nonce_ttl);
  c.clock_skew = get_or<int64_t>(s, "clock_skew_seconds", c.clock_skew);
  if (c.clock_skew < 0 || c.clock_skew > 600)
    throw std::invalid_argument("plugins.auth.clock_skew_seconds must be within 0..600");
  c.domains = get_or<std::vector<std::string>>(s, "domains", {});
  c.schemes = get_or<std::vector<std::string>>(s, "schemes", c.schemes);
  c.chain_ids = get_or<std::vector<uint64_t>>(s, "chain_ids", {});
  for (const auto& a : get_or<std::vector<std::string>>(s, "admins", {})) {
    auto addr = web3::parse_address(a);
    if (!addr)
      throw std::invalid_argument("plugins.auth.admins has an invalid address '" + a + "'");
    c.admins.push_back(web3::to_checksum(*addr));
  }
  if (auto it = s.find("cookie"); it != s.end() && it->is_object()) {
    c.cookie_enabled = get_or<bool>(*it, "enabled", c.cookie_enabled);
    c.cookie_secure = get_or<bool>(*it, "secure", c.cookie_secure);
    c.cookie_same_site = get_or<std::string>(*it, "same_site", c.cookie_same_site);
    if (c.cookie_same_site != "Strict" && c.cookie_same_site != "Lax" &&
        c.cookie_same_site != "None")
      throw std::invalid_argument("plugins.auth.cookie.same_site must be Strict, Lax or None");
  }
  std::string block_tag = get_or<std::string>(s, "block_tag", "latest");
  if (auto it = s.find("chains"); it != s.end() && !it->is_null()) {
    if (!it->is_array()) throw std::invalid_argument("plugins.auth.chains must be a list");
    for (const auto& ch : *it) {
      web3::ChainConfig cc;
      cc.chain_id = get_or<uint64_t>(ch, "chain_id", 0);
      if (cc.chain_id == 0)
        throw std::invalid_argument("plugins.auth.chains[].chain_id is required");
      for (const auto& prev : c.chains) {
        if (prev.chain_id == cc.chain_id)
          throw std::invalid_argument("plugins.auth.chains lists chain " +
                                      std::to_string(cc.chain_id) + " twice");
      }
      cc.name = get_or<std::string>(ch, "name", "chain-" + std::to_string(cc.chain_id));
      cc.rpc_urls = get_or<std::vector<std::string>>(ch, "rpc_urls", {});
      if (cc.rpc_urls.empty())
        throw std::invalid_argument("plugins.auth.chains[" + std::to_string(cc.chain_id) +
                                    "].rpc_urls is empty");
      for (const auto& u : cc.rpc_urls) {
        if (!web3::parse_url(u))
          throw std::invalid_argument("plugins.auth.chains[" + std::to_string(cc.chain_id) +
                                      "].rpc_urls has an invalid http(s) URL");
      }
      cc.timeout_ms = static_cast<uint32_t>(positive(ch, "timeout_ms", 3000));
      cc.block_tag = get_or<std::string>(ch, "block_tag", block_tag);
      cc.ca_file = get_or<std::string>(ch, "ca_file", "");
      cc.breaker_failures = static_cast<uint32_t>(positive(ch, "breaker_failures", 3));
      cc.breaker_cooldown_ms = static_cast<uint32_t>(positive(ch, "breaker_cooldown_ms", 5000));
      c.chains.push_back(std::move(cc));
    }
  }
  if (c.chain_ids.empty()) {
    c.chain_ids.push_back(1);
    for (const auto& ch : c.chains) {
      if (ch.chain_id != 1) c.chain_ids.push_back(ch.chain_id);
    }
  }
  c.public_base_url = get_or<std::string>(s, "public_base_url", "");
  if (!c.public_base_url.empty() && url_authority(c.public_base_url).empty())
    throw std::invalid_argument("plugins.auth.public_base_url must be an http(s) URL with a host");
  if (auto it = s.find("security_store"); it != s.end() && !it->is_null()) {
    if (!it->is_object())
      throw std::invalid_argument("plugins.auth.security_store must be a mapping");
    for (const auto& [key, value] : it->items()) {
      if (key != "max_nonces" && key != "refresh_interval_ms" && key != "max_staleness_ms")
        throw std::invalid_argument("plugins.auth.security_store." + key +
                                    " is not a known setting");
    }
    c.max_nonces =
        static_cast<size_t>(positive(*it, "max_nonces", static_cast<int64_t>(c.max_nonces)));
    c.revocation_refresh_ms = positive(*it, "refresh_interval_ms", c.revocation_refresh_ms);
    c.revocation_max_staleness_ms =
        positive(*it, "max_staleness_ms", c.revocation_max_staleness_ms);
    if (c.revocation_max_staleness_ms < 2 * c.revocation_refresh_ms)
      throw std::invalid_argument(
          "plugins.auth.security_store.max_staleness_ms must be at least twice "
          "refresh_interval_ms");
  }
  if (auto it = s.find("eip712"); it != s.end() && !it->is_null()) {
    if (!it->is_object()) throw std::invalid_argument("plugins.auth.eip712 must be a mapping");
    for (const auto& [key, value] : it->items()) {
      if (key != "max_in_flight")
        throw std::invalid_argument("plugins.auth.eip712." + key + " is not a known setting");
    }
    c.eip712_max_in_flight = static_cast<size_t>(
        positive(*it, "max_in_flight", static_cast<int64_t>(c.eip712_max_in_flight)));
  }
  if (auto it = s.find("ens"); it != s.end() && !it->is_null()) {
    if (!it->is_object()) throw std::invalid_argument("plugins.auth.ens must be a mapping");
    for (const auto& [key, value] : it->items()) {
      if (key != "chain_id" && key != "registry" && key != "ttl_seconds")
        throw std::invalid_argument("plugins.auth.ens." + key + " is not a known setting");
    }
    c.ens_chain_id =
        static_cast<uint64_t>(positive(*it, "chain_id", static_cast<int64_t>(c.ens_chain_id)));
    if (auto r = it->find("registry"); r != it->end()) {
      auto parsed = r->is_string() ? web3::parse_address(r->get<std::string>()) : std::nullopt;
      if (!parsed)
        throw std::invalid_argument("plugins.auth.ens.registry must be a contract address");
      c.ens_registry = web3::to_checksum(*parsed);
    }
    c.ens_ttl = positive(*it, "ttl_seconds", c.ens_ttl);
  }
  if (auto it = s.find("gate_cache"); it != s.end() && it->is_object()) {
    c.gate_has_ttl = positive(*it, "has_ttl_seconds", c.gate_has_ttl);
    c.gate_has_not_ttl = positive(*it, "has_not_ttl_seconds", c.gate_has_not_ttl);
  }
  return c;
}

}  // namespace sg::auth
