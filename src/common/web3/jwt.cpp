#include "web3/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace sg::web3::jwt {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

// The one header this module emits; verify() parses the header instead of comparing bytes,
// but accepts nothing except alg HS256 and typ JWT.
const std::string& header_b64() {
  static const std::string h = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  return h;
}

}  // namespace

std::string base64url_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(data[k])); };
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (data.size() - i == 1) {
    uint32_t v = byte(i) << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
  } else if (data.size() - i == 2) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    auto pos = kAlphabet.find(c);
    if (pos == std::string_view::npos) return std::nullopt;  // no padding, no '+' '/'
    acc = acc << 6 | static_cast<uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero: otherwise two encodings would decode to one value.
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string sign(const nlohmann::json& claims, std::string_view key) {
  std::string signing_input = header_b64() + "." + base64url_encode(claims.dump());
  return signing_input + "." + base64url_encode(hmac_sha256(key, signing_input));
}

std::optional<nlohmann::json> verify(std::string_view token, std::string_view key,
                                     const Expect& expect, VerifyError* err) {
  auto fail = [&](std::string code, std::string message) -> std::optional<nlohmann::json> {
    if (err != nullptr) *err = VerifyError{std::move(code), std::move(message)};
    return std::nullopt;
  };
  if (token.size() > 8192) return fail("malformed", "token too long");
  auto d1 = token.find('.');
  auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return fail("malformed", "token must have three dot-separated parts");
  std::string_view h64 = token.substr(0, d1);
  std::string_view p64 = token.substr(d1 + 1, d2 - d1 - 1);
  std::string_view s64 = token.substr(d2 + 1);

  auto header_text = base64url_decode(h64);
  if (!header_text) return fail("malformed", "token header is not base64url");
  auto header = nlohmann::json::parse(*header_text, nullptr, false);
  if (header.is_discarded() || !header.is_object())
    return fail("malformed", "token header is not a JSON object");
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || *alg != "HS256")
    return fail("bad_algorithm", "token algorithm must be HS256");
  for (const auto& [k, v] : header.items()) {
    if (k == "alg") continue;
    if (k == "typ" && v == "JWT") continue;
    return fail("bad_header", "token header has an unsupported member '" + k + "'");
  }

  auto sig = base64url_decode(s64);
  if (!sig || sig->size() != 32) return fail("bad_signature", "token signature is malformed");
  std::string expected = hmac_sha256(key, token.substr(0, d2));
  if (CRYPTO_memcmp(expected.data(), sig->data(), 32) != 0)
    return fail("bad_signature", "token signature does not verify");

  auto payload_text = base64url_decode(p64);
  if (!payload_text) return fail("malformed", "token payload is not base64url");
  auto claims = nlohmann::json::parse(*payload_text, nullptr, false);
  if (claims.is_discarded() || !claims.is_object())
    return fail("malformed", "token payload is not a JSON object");

  auto str_claim = [&](const char* name) -> const std::string* {
    auto it = claims.find(name);
    return it != claims.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  auto int_claim = [&](const char* name) -> std::optional<int64_t> {
    auto it = claims.find(name);
    if (it == claims.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int64_t>();
  };
  const std::string* iss = str_claim("iss");
  if (iss == nullptr || *iss != expect.issuer)
    return fail("bad_issuer", "token issuer is not accepted");
  bool aud_ok = false;
  if (auto it = claims.find("aud"); it != claims.end()) {
    if (it->is_string()) aud_ok = *it == expect.audience;
    if (it->is_array()) {
      for (const auto& a : *it) aud_ok = aud_ok || (a.is_string() && a == expect.audience);
    }
  }
  if (!aud_ok) return fail("bad_audience", "token audience is not accepted");
  auto exp = int_claim("exp");
  if (!exp) return fail("malformed", "token has no integer exp");
  if (expect.now >= *exp + expect.leeway) return fail("expired", "token has expired");
  if (claims.contains("nbf")) {
    auto nbf = int_claim("nbf");
    if (!nbf) return fail("malformed", "token nbf is not an integer");
    if (expect.now + expect.leeway < *nbf) return fail("not_yet_valid", "token is not valid yet");
  }
  if (claims.contains("iat")) {
    auto iat = int_claim("iat");
    if (!iat) return fail("malformed", "token iat is not an integer");
    if (*iat > expect.now + expect.leeway)
      return fail("not_yet_valid", "token was issued in the future");
  }
  if (expect.require_jti) {
    const std::string* jti = str_claim("jti");
    if (jti == nullptr || jti->empty() || jti->size() > 128)
      return fail("malformed", "token has no jti");
  }
  return claims;
}

}  // namespace sg::web3::jwt
