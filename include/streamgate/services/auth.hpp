// C++ helper for the auth service: the ONE reader of a request's session credential.
//
// The gateway (turning a request into an identity) and the auth plugin (refresh and logout,
// which need the raw token to revoke it) must agree byte for byte on which token a request
// carries; two readers that differ on case, spacing or quoting let a token count in one place
// and not in the other. Header-only so both plugins use it without including each other.
//
// Rules:
// - Authorization (RFC 7235 / RFC 6750): the field value's leading and trailing OWS are not
//   part of it; the scheme "Bearer" matches case-insensitively; then one or more SP; then a
//   b64token (ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then any "=") up to the end.
//   Anything else after the scheme (a second word, a comma, a tab, nothing) is malformed.
//   Another scheme (Basic, ...) is not a session credential and is left to handlers; the
//   cookie is then not consulted either (the client chose a scheme explicitly).
// - Cookie (RFC 6265 section 4.2): pairs separated by ";" and optional SP; the name matches
//   exactly (case-sensitive, no inner spaces); the value may be wrapped in one pair of
//   DQUOTEs and must consist of cookie-octets. The first pair with the name wins.
#pragma once

#include <string_view>

#include "auth.h"

namespace sg::credentials {

enum class Source {
  kNone,        // neither a Bearer credential nor the session cookie
  kBearer,      // "Authorization: Bearer <token>"
  kCookie,      // the session cookie
  kOtherScheme  // an Authorization header with another scheme: not ours
};

struct SessionCredential {
  Source source = Source::kNone;
  std::string_view token;  // a view into the header passed in; empty unless well formed
  bool malformed = false;  // the source was found but its syntax is invalid
};

namespace detail {

constexpr bool is_ows(char c) noexcept {
  return c == ' ' || c == '\t';
}

constexpr std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

constexpr bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// tchar (RFC 9110): the bytes an auth-scheme name is made of.
constexpr bool is_tchar(char c) noexcept {
  return is_alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
constexpr bool is_b64token(std::string_view s) noexcept {
  size_t i = 0;
  while (i < s.size() && (is_alnum(s[i]) || s[i] == '-' || s[i] == '.' || s[i] == '_' ||
                          s[i] == '~' || s[i] == '+' || s[i] == '/'))
    ++i;
  if (i == 0) return false;
  while (i < s.size() && s[i] == '=') ++i;
  return i == s.size();
}

// cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
constexpr bool is_cookie_octet(char ch) noexcept {
  auto c = static_cast<unsigned char>(ch);
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

constexpr bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace detail

// The Authorization header alone. kNone when the value is empty.
constexpr SessionCredential from_authorization(std::string_view value) noexcept {
  SessionCredential r;
  value = detail::trim_ows(value);
  if (value.empty()) return r;
  size_t sp = value.find(' ');
  std::string_view scheme = value.substr(0, sp);
  if (!detail::iequals_ascii(scheme, "bearer")) {
    // "Bearer" glued to a byte that cannot continue a scheme name ("Bearer\ttok",
    // "Bearer,tok") is a Bearer credential written wrongly: refuse it rather than let it pass
    // as someone else's scheme.
    bool bearer_typo = scheme.size() > 6 && detail::iequals_ascii(scheme.substr(0, 6), "bearer") &&
                       !detail::is_tchar(scheme[6]);
    r.source = bearer_typo ? Source::kBearer : Source::kOtherScheme;
    r.malformed = bearer_typo;
    return r;
  }
  r.source = Source::kBearer;
  if (sp == std::string_view::npos) {
    r.malformed = true;  // "Bearer" without a token
    return r;
  }
  std::string_view rest = value.substr(sp);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (!detail::is_b64token(rest)) {
    r.malformed = true;
    return r;
  }
  r.token = rest;
  return r;
}

// The cookie called `name` in a Cookie header. kNone when absent.
constexpr SessionCredential from_cookie(std::string_view header,
                                        std::string_view name = SG_AUTH_SESSION_COOKIE) noexcept {
  SessionCredential r;
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = detail::trim_ows(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    r.source = Source::kCookie;
    std::string_view v = pair.substr(eq + 1);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    bool ok = !v.empty();
    for (char c : v) ok = ok && detail::is_cookie_octet(c);
    if (!ok) {
      r.malformed = true;
      return r;
    }
    r.token = v;
    return r;
  }
  return r;
}

// The request's session credential: the Authorization header when it has a value (Bearer,
// or another scheme which then hides the cookie), else the session cookie.
constexpr SessionCredential session_credential(std::string_view authorization,
                                               std::string_view cookie_header) noexcept {
  SessionCredential a = from_authorization(authorization);
  if (a.source != Source::kNone) return a;
  return from_cookie(cookie_header);
}

}  // namespace sg::credentials

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "../plugin.hpp"

namespace sg::auth {

// A valid playback token's claims.
struct VerifiedPlayback {
  std::string address;  // "" for an anonymous token
  uint64_t chain_id = 0;
  uint64_t expires_at = 0;  // Unix seconds
};

// A gate check's answer, copied out of the callback's borrowed structs.
struct GateVerdict {
  sg_status status = SG_OK;  // SG_ERR_UNAVAILABLE: no chain endpoint answered (fail closed)
  bool allowed = false;
  bool cached = false;
  std::string balance;
  std::string reason;   // why not allowed ("insufficient_balance", ...)
  std::string message;  // the error's message when status != SG_OK
};

// Header-only client of the auth service v1 for consumers (streaming, custom plugins).
class Client {
 public:
  Client() = default;
  explicit Client(const sg_auth_service* svc) : svc_(svc) {}
  explicit operator bool() const noexcept { return svc_ != nullptr; }
  const sg_auth_service* service() const noexcept { return svc_; }

  // A playback token for `content_id`, bound to `identity` when it is authenticated.
  // ttl_seconds 0 = auth's configured default; auth clamps it to its maximum. Pure CPU.
  std::string playback_mint(std::string_view content_id, const sg_http_identity* identity,
                            uint64_t ttl_seconds = 0) const {
    sg_owned_str out{};
    sg_error err{};
    check(svc_->playback_mint(svc_->self, content_id.data(), content_id.size(), identity,
                              ttl_seconds, &out, &err),
          err, "auth.playback_mint");
    return take_owned(out);
  }
  // The claims when `token` is a valid playback token for exactly `content_id`; otherwise
  // std::nullopt with the reason in *why (forged, expired, another content, not a playback
  // token). Pure CPU.
  std::optional<VerifiedPlayback> playback_verify(std::string_view token,
                                                  std::string_view content_id,
                                                  std::string* why = nullptr) const {
    sg_auth_playback out{};
    out.struct_size = sizeof(out);
    sg_error err{};
    sg_status st = svc_->playback_verify(svc_->self, token.data(), token.size(), content_id.data(),
                                         content_id.size(), &out, &err);
    if (st != SG_OK) {
      if (why != nullptr) *why = err.message;
      return std::nullopt;
    }
    return VerifiedPlayback{out.address, out.chain_id, out.expires_at};
  }

  // Runs a gate check on the kernel's blocking pool; `done` is called exactly once there
  // (never inside this call) unless this throws. Never blocks the caller.
  void gate_check_async(const sg_http_identity& identity, const std::string& gate_json,
                        uint32_t flags, std::function<void(const GateVerdict&)> done) const {
    auto* ctx = new std::function<void(const GateVerdict&)>(std::move(done));
    sg_error err{};
    sg_status st = svc_->gate_check_async(svc_->self, &identity, gate_json.data(), gate_json.size(),
                                          flags, &Client::gate_shim, ctx, &err);
    if (st != SG_OK) {
      delete ctx;
      check(st, err, "auth.gate_check_async");
    }
  }

 private:
  static void gate_shim(void* user, sg_status status, const sg_auth_gate_result* result,
                        const sg_error* err) noexcept {
    std::unique_ptr<std::function<void(const GateVerdict&)>> fn(
        static_cast<std::function<void(const GateVerdict&)>*>(user));
    try {
      GateVerdict a;
      a.status = status;
      if (status == SG_OK && result != nullptr) {
        a.allowed = result->allowed != 0;
        a.cached = result->cached != 0;
        a.balance = result->balance;
        a.reason = result->reason;
      } else if (err != nullptr) {
        a.message = err->message;
      }
      (*fn)(a);
    } catch (...) {
      // The callback owns its error reporting; nothing may cross the C ABI.
    }
  }

  const sg_auth_service* svc_ = nullptr;
};

}  // namespace sg::auth
