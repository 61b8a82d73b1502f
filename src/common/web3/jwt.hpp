// Compact JWS (JWT) with the algorithm pinned to HS256 (HMAC-SHA256, OpenSSL). The header is
// not trusted to choose anything: "alg" must be exactly HS256 ("none", RS256, ... refused,
// so no algorithm switching), and the standard claims are all checked by verify().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sg::web3::jwt {

std::string base64url_encode(std::string_view data);
std::optional<std::string> base64url_decode(std::string_view text);

// Signs `claims` (a JSON object) with `key`; returns header.payload.signature.
std::string sign(const nlohmann::json& claims, std::string_view key);

struct Expect {
  std::string issuer;
  std::string audience;
  int64_t now = 0;     // Unix seconds
  int64_t leeway = 0;  // seconds of clock skew tolerated on exp/nbf/iat
  bool require_jti = true;
};

struct VerifyError {
  std::string code;     // "malformed", "bad_algorithm", "bad_signature", "expired", ...
  std::string message;  // never contains the token
};

// Verifies signature and claims; returns the claims, or nullopt + *err.
std::optional<nlohmann::json> verify(std::string_view token, std::string_view key,
                                     const Expect& expect, VerifyError* err = nullptr);

}  // namespace sg::web3::jwt
