#include "tokens.hpp"

#include <openssl/rand.h>

#include <chrono>
#include <stdexcept>

#include "web3/address.hpp"
#include "web3/hex.hpp"
#include "web3/jwt.hpp"

namespace sg::auth {

int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string random_token(size_t bytes) {
  std::vector<uint8_t> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1)
    throw std::runtime_error("CSPRNG failure");
  return web3::to_hex(buf, false);
}

std::string TokenService::mint_session(const std::string& address, uint64_t chain_id,
                                       int64_t auth_time, SessionClaims* out) const {
  int64_t now = now_();
  SessionClaims c{address, chain_id, random_token(16), now + config_.session_ttl, auth_time};
  nlohmann::json claims = {{"iss", config_.issuer},
                           {"aud", config_.session_audience},
                           {"sub", address},
                           {"chain_id", chain_id},
                           {"iat", now},
                           {"nbf", now},
                           {"exp", c.exp},
                           {"jti", c.jti},
                           {"auth_time", auth_time},
                           {"typ", "session"}};
  if (out != nullptr) *out = c;
  return web3::jwt::sign(claims, config_.jwt_secret);
}

SessionCheck TokenService::verify_session(std::string_view token) const {
  SessionCheck r;
  web3::jwt::VerifyError err;
  web3::jwt::Expect expect{config_.issuer, config_.session_audience, now_(), config_.clock_skew,
                           true};
  auto claims = web3::jwt::verify(token, config_.jwt_secret, expect, &err);
  if (!claims) {
    r.code = err.code;
    r.message = err.message;
    return r;
  }
  const auto& c = *claims;
  auto sub = c.find("sub");
  auto chain = c.find("chain_id");
  auto auth_time = c.find("auth_time");
  if (c.value("typ", "") != "session" || sub == c.end() || !sub->is_string() || chain == c.end() ||
      !chain->is_number_unsigned() || auth_time == c.end() || !auth_time->is_number_integer() ||
      !web3::parse_checksummed(sub->get<std::string>())) {
    r.code = "malformed";
    r.message = "token is not a session token";
    return r;
  }
  r.claims =
      SessionClaims{sub->get<std::string>(), chain->get<uint64_t>(), c["jti"].get<std::string>(),
                    c["exp"].get<int64_t>(), auth_time->get<int64_t>()};
  switch (store_.is_revoked(r.claims.jti)) {
    case KvStatus::kMissing:
      r.verdict = Verdict::kOk;
      return r;
    case KvStatus::kOk:
      r.code = "revoked";
      r.message = "session has been revoked";
      return r;
    default:
      r.verdict = Verdict::kUnavailable;
      r.code = "revocation_unavailable";
      r.message = "cannot check session revocation";
      return r;
  }
}

KvStatus TokenService::revoke(const SessionClaims& claims) const {
  // Kept until the token could no longer verify anyway (expiry plus the tolerated skew).
  int64_t ttl = claims.exp + config_.clock_skew - now_() + 1;
  if (ttl <= 0) return KvStatus::kOk;
  return store_.revoke(claims.jti, now_() + ttl);
}

std::string TokenService::mint_playback(const std::string& content_id, const std::string& address,
                                        uint64_t chain_id, int64_t ttl_seconds,
                                        int64_t* exp_out) const {
  if (content_id.empty() || content_id.size() > 256)
    throw std::invalid_argument("content id must be 1..256 bytes");
  int64_t ttl =
      ttl_seconds <= 0 ? config_.playback_ttl : std::min(ttl_seconds, config_.playback_max_ttl);
  int64_t now = now_();
  nlohmann::json claims = {{"iss", config_.issuer}, {"aud", config_.playback_audience},
                           {"cid", content_id},     {"sub", address},
                           {"chain_id", chain_id},  {"iat", now},
                           {"exp", now + ttl},      {"jti", random_token(12)},
                           {"typ", "playback"}};
  if (exp_out != nullptr) *exp_out = now + ttl;
  return web3::jwt::sign(claims, config_.playback_secret);
}

std::optional<PlaybackClaims> TokenService::verify_playback(std::string_view token,
                                                            std::string_view content_id,
                                                            std::string* reason) const {
  web3::jwt::VerifyError err;
  web3::jwt::Expect expect{config_.issuer, config_.playback_audience, now_(), config_.clock_skew,
                           true};
  auto claims = web3::jwt::verify(token, config_.playback_secret, expect, &err);
  if (!claims) {
    if (reason != nullptr) *reason = err.message;
    return std::nullopt;
  }
  const auto& c = *claims;
  if (c.value("typ", "") != "playback" || !c.contains("cid") || !c["cid"].is_string() ||
      !c.contains("sub") || !c["sub"].is_string() || !c.contains("chain_id") ||
      !c["chain_id"].is_number_unsigned()) {
    if (reason != nullptr) *reason = "token is not a playback token";
    return std::nullopt;
  }
  if (c["cid"].get_ref<const std::string&>() != content_id) {
    if (reason != nullptr) *reason = "playback token is for another content id";
    return std::nullopt;
  }
  return PlaybackClaims{c["cid"].get<std::string>(), c["sub"].get<std::string>(),
                        c["chain_id"].get<uint64_t>(), c["exp"].get<int64_t>()};
}

}  // namespace sg::auth
