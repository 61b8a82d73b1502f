#include "routes.hpp"

#include <atomic>
#include <cstring>
#include <memory>

#include "typed_data.hpp"
#include "web3/address.hpp"
#include "web3/hex.hpp"

namespace sg::auth {

namespace {

using nlohmann::json;
using sg::http::Exchange;
using sg::http::HttpError;

using sg::http::answer_later;

// Largest typed-data verify body: a wallet's payload is a few KB; the EIP-712 limits
// (web3/eip712.hpp) bound the work, this bounds the parse.
constexpr uint64_t kTypedDataMaxBody = 32 * 1024;

// 503 + Retry-After: the client may come back shortly.
void busy(const Exchange& ex, std::string_view code, std::string_view message) {
  ex.respond(503, sg::http::error_body(code, message),
             {{"Content-Type", "application/json"}, {"Retry-After", "1"}});
}

// A counting limit; a slot is released when the last copy of its handle goes, whichever
// thread that is and whether or not the work ran.
class InFlight : public std::enable_shared_from_this<InFlight> {
 public:
  explicit InFlight(size_t max) : max_(max) {}
  std::shared_ptr<void> try_acquire() {
    if (n_.fetch_add(1, std::memory_order_acq_rel) >= max_) {
      n_.fetch_sub(1, std::memory_order_acq_rel);
      return nullptr;
    }
    auto self = shared_from_this();
    // Non-null (so the handle tests true); the deleter only gives the slot back.
    return std::shared_ptr<void>(
        this, [self](void*) { self->n_.fetch_sub(1, std::memory_order_acq_rel); });
  }

 private:
  size_t max_;
  std::atomic<size_t> n_{0};
};

std::string cookie_header(const AuthConfig& c, const std::string& value, int64_t max_age) {
  std::string h = std::string(SG_AUTH_SESSION_COOKIE) + "=" + value +
                  "; Path=/; Max-Age=" + std::to_string(max_age) +
                  "; HttpOnly; SameSite=" + c.cookie_same_site;
  if (c.cookie_secure) h += "; Secure";
  return h;
}

void answer_session(const Exchange& ex, Context& core, const std::string& token,
                    const SessionClaims& claims) {
  const AuthConfig& c = core.config();
  std::vector<sg::http::Header> headers{{"Cache-Control", "no-store"}};
  if (c.cookie_enabled)
    headers.push_back({"Set-Cookie", cookie_header(c, token, claims.exp - core.tokens().now())});
  ex.respond_json(200,
                  {{"token", token},
                   {"token_type", "Bearer"},
                   {"expires_at", claims.exp},
                   {"expires_in", claims.exp - core.tokens().now()},
                   {"address", claims.address},
                   {"chain_id", claims.chain_id},
                   {"is_admin", core.is_admin(claims.address)}},
                  headers);
}

const std::string& string_field(const json& body, const char* name, size_t max) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string())
    throw HttpError(400, "invalid_request", std::string(name) + " must be a string");
  if (it->get_ref<const std::string&>().size() > max)
    throw HttpError(400, "invalid_request", std::string(name) + " is too long");
  return it->get_ref<const std::string&>();
}

json object_body(const Exchange& ex) {
  json body = ex.json_body();
  if (!body.is_object()) throw HttpError(400, "invalid_request", "body must be a JSON object");
  return body;
}

// Verifies the caller's own session token (for refresh / logout) or throws 401.
SessionClaims require_session(Context& core, const Exchange& ex) {
  auto token = request_token(ex);
  if (!token) throw HttpError(401, "invalid_session", "malformed session credential");
  if (token->empty()) throw HttpError(401, "unauthorized", "no session token");
  SessionCheck c = core.tokens().verify_session(*token);
  if (c.verdict == Verdict::kUnavailable)
    throw HttpError(503, "session_store_unavailable", c.message);
  if (c.verdict != Verdict::kOk) throw HttpError(401, "invalid_session", c.message);
  return c.claims;
}

std::string identity_address(const sg_http_identity& id) {
  return std::string(id.address, strnlen(id.address, sizeof(id.address)));
}

}  // namespace

std::optional<std::string> request_token(const Exchange& ex) {
  // The same reader the gateway uses, so a token counts here exactly when it counts there.
  auto cred = sg::credentials::session_credential(ex.header("Authorization").value_or(""),
                                                  ex.header("Cookie").value_or(""));
  if (cred.malformed) return std::nullopt;
  if (cred.source != sg::credentials::Source::kBearer &&
      cred.source != sg::credentials::Source::kCookie)
    return std::string();
  return std::string(cred.token);
}

void add_routes(Context& core, sg::http::Router& router, const sg::Host& host) {
  using sg::http::RouteSpec;
  const uint64_t small_body = 64 * 1024;

  router.add(SG_HTTP_GET, "/api/v1/auth/nonce", [&core, host](const Exchange& ex) {
    answer_later(host, ex, [&core](const Exchange& e) {
      KvStatus st;
      auto nonce = core.siwe().issue_nonce(&st);
      if (!nonce) {
        // Refused, never evicted: outstanding nonces (and revocations) stay valid.
        if (st == KvStatus::kFull)
          return busy(e, "nonce_store_full", "too many outstanding nonces; retry later");
        throw HttpError(503, "nonce_store_unavailable", "cannot store a nonce right now");
      }
      e.respond_json(200, {{"nonce", *nonce}, {"expires_in", core.config().nonce_ttl}},
                     {{"Cache-Control", "no-store"}});
    });
  });

  router.add(RouteSpec{SG_HTTP_POST, "/api/v1/auth/siwe", SG_HTTP_BODY_BUFFER, small_body},
             [&core, host](const Exchange& ex) {
               json body = object_body(ex);
               std::string message = string_field(body, "message", 16 * 1024);
               std::string signature = string_field(body, "signature", 8 * 1024);
               // The expected domain comes from configuration, never from the Host header.
               answer_later(host, ex, [&core, message, signature](const Exchange& e) {
                 LoginResult r = core.siwe().login(message, signature);
                 (r.status == 200 ? core.metrics.logins_ok : core.metrics.logins_failed).add();
                 if (r.status != 200) throw HttpError(r.status, r.code, r.message);
                 answer_session(e, core, r.token, r.claims);
               });
             });

  router.add(RouteSpec{SG_HTTP_POST, "/api/v1/auth/refresh", SG_HTTP_BODY_BUFFER, small_body},
             [&core, host](const Exchange& ex) {
               answer_later(host, ex, [&core](const Exchange& e) {
                 SessionClaims old = require_session(core, e);
                 if (old.auth_time + core.config().session_max_age <= core.tokens().now())
                   throw HttpError(401, "session_too_old", "sign in again");
                 if (core.tokens().revoke(old) != KvStatus::kOk)
                   throw HttpError(503, "session_store_unavailable", "cannot rotate the session");
                 SessionClaims fresh;
                 std::string token =
                     core.tokens().mint_session(old.address, old.chain_id, old.auth_time, &fresh);
                 answer_session(e, core, token, fresh);
               });
             });

  router.add(RouteSpec{SG_HTTP_POST, "/api/v1/auth/logout", SG_HTTP_BODY_BUFFER, small_body},
             [&core, host](const Exchange& ex) {
               answer_later(host, ex, [&core](const Exchange& e) {
                 SessionClaims c = require_session(core, e);
                 if (core.tokens().revoke(c) != KvStatus::kOk)
                   throw HttpError(503, "session_store_unavailable", "cannot revoke the session");
                 std::vector<sg::http::Header> headers{{"Cache-Control", "no-store"}};
                 if (core.config().cookie_enabled)
                   headers.push_back({"Set-Cookie", cookie_header(core.config(), "", 0)});
                 e.respond_json(200, {{"revoked", true}}, headers);
               });
             });

  router.add(SG_HTTP_GET, "/api/v1/auth/me", [&core](const Exchange& ex) {
    sg_http_identity id = ex.identity();
    if (id.authenticated == 0) throw HttpError(401, "unauthorized", "sign in first");
    std::string address = identity_address(id);
    ex.respond_json(
        200, {{"address", address}, {"chain_id", id.chain_id}, {"is_admin", id.is_admin != 0}},
        {{"Cache-Control", "no-store"}});
  });

  // Anonymous and potentially slow (hashing, EIP-1271 over RPC): at most
  // eip712_max_in_flight at once, so it can never occupy the whole blocking pool; the rest
  // are refused at once on the network thread instead of queueing for the pool.
  auto verifies = std::make_shared<InFlight>(core.config().eip712_max_in_flight);
  router.add(
      RouteSpec{SG_HTTP_POST, "/api/v1/auth/eip712/verify", SG_HTTP_BODY_BUFFER, kTypedDataMaxBody},
      [&core, host, verifies](const Exchange& ex) {
        auto slot = verifies->try_acquire();
        if (!slot)
          return busy(ex, "signature_check_busy",
                      "too many typed-data verifications in progress; retry later");
        json body = object_body(ex);
        if (!body.contains("typed_data") || !body["typed_data"].is_object())
          throw HttpError(400, "invalid_request", "typed_data must be an object");
        std::string signature = string_field(body, "signature", 8 * 1024);
        std::string expected = body.contains("address") ? string_field(body, "address", 64) : "";
        json typed = body["typed_data"];
        answer_later(host, ex, [&core, typed, signature, expected, slot](const Exchange& e) {
          TypedDataResult r = verify_typed(core, typed, signature, expected);
          if (r.status == SG_ERR_INVALID) throw HttpError(400, "invalid_typed_data", r.message);
          if (r.status == SG_ERR_UNAVAILABLE)
            throw HttpError(503, "signature_check_unavailable", r.message);
          json out = {{"valid", r.status == SG_OK},
                      {"signer", r.signer.empty() ? json(nullptr) : json(r.signer)},
                      {"digest", web3::to_hex(r.digest)},
                      {"contract_wallet", r.contract_wallet}};
          if (r.status != SG_OK) out["reason"] = r.message;
          e.respond_json(200, out);
        });
      });

  router.add(
      RouteSpec{SG_HTTP_POST, "/api/v1/web3/nft/verify", SG_HTTP_BODY_BUFFER, small_body},
      [&core, host](const Exchange& ex) {
        sg_http_identity id = ex.identity();
        if (id.authenticated == 0) throw HttpError(401, "unauthorized", "sign in first");
        json body = object_body(ex);
        std::string error;
        auto q = parse_nft_query(body, &error);
        if (!q) throw HttpError(400, "invalid_request", error);
        if (core.chains().find(q->chain_id) == nullptr)
          throw HttpError(400, "unknown_chain",
                          "chain " + std::to_string(q->chain_id) + " is not configured");
        std::string caller = identity_address(id);
        q->address = caller;
        if (auto a = body.find("address"); a != body.end() && !a->is_null()) {
          auto parsed = a->is_string() ? web3::parse_address(a->get<std::string>()) : std::nullopt;
          if (!parsed) throw HttpError(400, "invalid_request", "address is not a valid address");
          q->address = web3::to_checksum(*parsed);
        }
        bool refresh = body.value("refresh", false);
        // A fresh chain read is the owner's (or an admin's) explicit re-check only.
        if (refresh && q->address != caller && id.is_admin == 0)
          throw HttpError(403, "forbidden", "refresh is allowed for your own address only");
        answer_later(host, ex, [&core, q = *q, refresh](const Exchange& e) {
          GateAnswer a = core.gate().check_nft(q, refresh);
          if (a.status == GateStatus::kUnavailable)
            throw HttpError(503, "gate_check_unavailable", a.message);
          if (a.status == GateStatus::kInvalid) throw HttpError(400, "invalid_request", a.message);
          json out = {{"has_access", a.allowed}, {"balance", a.balance},   {"chain_id", q.chain_id},
                      {"contract", q.contract},  {"standard", q.standard}, {"address", q.address},
                      {"cached", a.cached}};
          if (q.token_id) out["token_id"] = web3::to_decimal(*q.token_id);
          e.respond_json(200, out);
        });
      });

  // A signed-in caller's question (one cached lookup per address and TTL), so anonymous
  // clients cannot turn the server into a free RPC proxy.
  router.add(SG_HTTP_GET, "/api/v1/web3/ens/{address}", [&core, host](const Exchange& ex) {
    sg_http_identity id = ex.identity();
    if (id.authenticated == 0) throw HttpError(401, "unauthorized", "sign in first");
    auto parsed = web3::parse_address(std::string(ex.path_param("address").value_or("")));
    if (!parsed) throw HttpError(400, "invalid_request", "address is not a valid address");
    const web3::Address address = *parsed;
    if (!core.ens().enabled()) {
      ex.respond_json(
          200, {{"address", web3::to_checksum(address)}, {"name", nullptr}, {"chain_id", nullptr}});
      return;
    }
    answer_later(host, ex, [&core, address](const Exchange& e) {
      EnsAnswer a = core.ens().lookup(address);
      if (a.kind == EnsAnswer::kUnavailable)
        throw HttpError(503, "ens_unavailable", "the ENS chain did not answer: " + a.message);
      e.respond_json(200,
                     {{"address", web3::to_checksum(address)},
                      {"name", a.kind == EnsAnswer::kName ? json(a.name) : json(nullptr)},
                      {"chain_id", core.config().ens_chain_id}},
                     {{"Cache-Control", "private, max-age=300"}});
    });
  });

  router.add(SG_HTTP_GET, "/api/v1/web3/chains", [&core](const Exchange& ex) {
    ex.respond_json(200, {{"chains", core.chains().describe()}});
  });
}

}  // namespace sg::auth
