#include "request_identity.hpp"

namespace sg::gateway {

std::optional<GatewayError> identify_request(Context& ctx, Exchange& ex) {
  const bool body = has_body(ex);
  // The one shared reader (streamgate/services/auth.hpp), so auth's own routes agree.
  auto cred = sg::credentials::session_credential(ex.header("authorization"), ex.header("cookie"));
  const bool from_cookie = cred.source == sg::credentials::Source::kCookie;
  // A malformed Bearer header is an explicit but unusable claim: refuse it like an invalid
  // token. A malformed cookie is ambient, like a stale one: proceed anonymously.
  if (cred.malformed && !from_cookie)
    return GatewayError{401, "invalid_token", "malformed Authorization Bearer header", body};
  std::string_view token = cred.token;
  if (token.empty()) return std::nullopt;
  std::string reason;
  switch (ctx.identity.resolve(token, ex.identity, reason)) {
    case IdentityOutcome::kInvalid:
      // A Bearer token is an explicit claim: refuse it. A stale cookie is ambient (the
      // browser sends it everywhere) and must not lock the user out of public routes or
      // of signing in again, so the request simply proceeds anonymously.
      if (from_cookie) {
        ex.identity = sg_http_identity{};
        return std::nullopt;
      }
      return GatewayError{401, "invalid_token", std::move(reason), body};
    case IdentityOutcome::kUnavailable:
      return GatewayError{503, "auth_unavailable", "session cannot be verified now", body};
    default:
      return std::nullopt;
  }
}

}  // namespace sg::gateway
