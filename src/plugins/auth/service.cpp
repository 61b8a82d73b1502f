#include "service.hpp"

#include <cstring>

#include "signer.hpp"
#include "typed_data.hpp"
#include "web3/address.hpp"
#include "web3/ecrecover.hpp"
#include "web3/eip712.hpp"

namespace sg::auth {

namespace {

using sg::provider::fail;
using sg::provider::guard;

Context& core_of(void* self) {
  Context* core = static_cast<AuthService*>(self)->core();
  if (core == nullptr) throw sg::Error(SG_ERR_UNAVAILABLE, "auth is not started");
  return *core;
}

void copy_cstr(char* dst, size_t cap, const std::string& src) {
  size_t n = std::min(cap - 1, src.size());
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

sg_status identify(void* self, const char* token, size_t token_size, sg_http_identity* out,
                   sg_error* err) noexcept {
  sg_status st = SG_OK;
  sg_status g = guard(err, [&] {
    if (out == nullptr) throw sg::Error(SG_ERR_INVALID, "out is NULL");
    std::string message;
    st = core_of(self).identify(std::string_view(token == nullptr ? "" : token, token_size), out,
                                &message);
    if (st != SG_OK) fail(err, st, message);
  });
  return g != SG_OK ? g : st;
}

sg_status playback_mint(void* self, const char* content_id, size_t content_id_size,
                        const sg_http_identity* identity, uint64_t ttl_seconds,
                        sg_owned_str* out_token, sg_error* err) noexcept {
  return guard(err, [&] {
    if (out_token == nullptr || content_id == nullptr)
      throw sg::Error(SG_ERR_INVALID, "NULL argument");
    std::string cid(content_id, content_id_size);
    if (cid.empty() || cid.size() > 256)
      throw sg::Error(SG_ERR_INVALID, "content id must be 1..256 bytes");
    std::string address;
    uint64_t chain = 0;
    if (identity != nullptr && identity->authenticated != 0) {
      address.assign(identity->address, strnlen(identity->address, sizeof(identity->address)));
      if (!web3::parse_checksummed(address))
        throw sg::Error(SG_ERR_INVALID, "identity address is not EIP-55");
      chain = identity->chain_id;
    }
    int64_t ttl = ttl_seconds > static_cast<uint64_t>(INT64_MAX)
                      ? INT64_MAX
                      : static_cast<int64_t>(ttl_seconds);
    std::string token = core_of(self).tokens().mint_playback(cid, address, chain, ttl);
    if (!sg::provider::give(token, out_token)) throw sg::Error(SG_ERR_INTERNAL, "out of memory");
  });
}

sg_status playback_verify(void* self, const char* token, size_t token_size, const char* content_id,
                          size_t content_id_size, sg_auth_playback* out, sg_error* err) noexcept {
  sg_status st = SG_OK;
  sg_status g = guard(err, [&] {
    std::string reason;
    auto claims = core_of(self).tokens().verify_playback(
        std::string_view(token == nullptr ? "" : token, token_size),
        std::string_view(content_id == nullptr ? "" : content_id, content_id_size), &reason);
    if (!claims) {
      st = SG_ERR_DENIED;
      fail(err, st, reason);
      return;
    }
    if (out != nullptr) {
      uint32_t size = out->struct_size;
      *out = sg_auth_playback{};
      out->struct_size = size;
      copy_cstr(out->address, sizeof(out->address), claims->address);
      out->chain_id = claims->chain_id;
      out->expires_at = static_cast<uint64_t>(claims->exp);
    }
  });
  return g != SG_OK ? g : st;
}

sg_status run_gate(Context& core, const sg_http_identity* identity, std::string_view rule_text,
                   uint32_t flags, sg_auth_gate_result* out, sg_error* err) {
  auto rule = nlohmann::json::parse(rule_text, nullptr, false);
  if (rule.is_discarded()) {
    fail(err, SG_ERR_INVALID, "gate rule is not valid JSON");
    return SG_ERR_INVALID;
  }
  std::string address;
  if (identity != nullptr && identity->authenticated != 0)
    address.assign(identity->address, strnlen(identity->address, sizeof(identity->address)));
  GateAnswer a = core.gate().check(address, rule, (flags & SG_AUTH_GATE_BYPASS_CACHE) != 0);
  count_gate(core, a);
  if (a.status == GateStatus::kInvalid) {
    fail(err, SG_ERR_INVALID, a.message);
    return SG_ERR_INVALID;
  }
  if (a.status == GateStatus::kUnavailable) {
    fail(err, SG_ERR_UNAVAILABLE, "gate_check_unavailable: " + a.message);
    return SG_ERR_UNAVAILABLE;
  }
  if (out != nullptr) {
    out->allowed = a.allowed ? 1 : 0;
    out->cached = a.cached ? 1 : 0;
    copy_cstr(out->balance, sizeof(out->balance), a.balance);
    copy_cstr(out->reason, sizeof(out->reason), a.reason);
  }
  return SG_OK;
}

sg_status gate_check(void* self, const sg_http_identity* identity, const char* gate_json,
                     size_t gate_json_size, uint32_t flags, sg_auth_gate_result* out,
                     sg_error* err) noexcept {
  sg_status st = SG_OK;
  sg_status g = guard(err, [&] {
    st = run_gate(core_of(self), identity,
                  std::string_view(gate_json == nullptr ? "" : gate_json, gate_json_size), flags,
                  out, err);
  });
  return g != SG_OK ? g : st;
}

using GateDone = void (*)(void*, sg_status, const sg_auth_gate_result*, const sg_error*);

sg_status gate_check_async(void* self, const sg_http_identity* identity, const char* gate_json,
                           size_t gate_json_size, uint32_t flags, GateDone done, void* user,
                           sg_error* err) noexcept {
  return guard(err, [&] {
    if (done == nullptr) throw sg::Error(SG_ERR_INVALID, "done callback is NULL");
    auto* svc = static_cast<AuthService*>(self);
    Context& core = core_of(self);
    if (svc->host().api() == nullptr) throw sg::Error(SG_ERR_UNAVAILABLE, "no blocking pool");
    sg_http_identity id{};
    if (identity != nullptr) id = *identity;
    std::string rule(gate_json == nullptr ? "" : gate_json, gate_json_size);
    svc->host().run_blocking([&core, id, rule = std::move(rule), flags, done, user] {
      sg_auth_gate_result result{};
      result.struct_size = sizeof(result);
      sg_error e{};
      sg_status st = guard(&e, [&] {
        sg_status inner = run_gate(core, &id, rule, flags, &result, &e);
        if (inner != SG_OK) throw sg::Error(inner, e.message);
      });
      done(user, st, st == SG_OK ? &result : nullptr, &e);
    });
  });
}

sg_status verify_typed_data(void* self, const char* typed_data_json, size_t typed_data_size,
                            const char* signature, size_t signature_size,
                            const char* expected_address, size_t expected_address_size,
                            char out_address[SG_IDENTITY_ADDRESS_MAX], uint8_t out_digest[32],
                            sg_error* err) noexcept {
  return guard(err, [&] {
    Context& core = core_of(self);
    auto typed = nlohmann::json::parse(
        std::string_view(typed_data_json == nullptr ? "" : typed_data_json, typed_data_size),
        nullptr, false);
    if (typed.is_discarded()) throw sg::Error(SG_ERR_INVALID, "typed data is not valid JSON");
    std::string sig_text(signature == nullptr ? "" : signature, signature_size);
    std::string expected(expected_address == nullptr ? "" : expected_address,
                         expected_address_size);
    TypedDataResult r = verify_typed(core, typed, sig_text, expected);
    if (r.status != SG_OK) throw sg::Error(r.status, r.message);
    if (out_address != nullptr) copy_cstr(out_address, SG_IDENTITY_ADDRESS_MAX, r.signer);
    if (out_digest != nullptr) std::memcpy(out_digest, r.digest.data(), 32);
  });
}

}  // namespace

sg_auth_service AuthService::make_table() {
  sg_auth_service t{};
  t.struct_size = sizeof(t);
  t.self = this;
  t.identify = &identify;
  t.playback_mint = &playback_mint;
  t.playback_verify = &playback_verify;
  t.gate_check = &gate_check;
  t.gate_check_async = &gate_check_async;
  t.verify_typed_data = &verify_typed_data;
  return t;
}

}  // namespace sg::auth
