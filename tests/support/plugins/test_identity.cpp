// Test identity provider: a plugin providing service `auth` v1 whose identify() accepts
// "test.<0xaddress>" (signed-in wallet) and "test-admin.<0xaddress>" (administrator). The
// separator is "." so the token is a valid RFC 6750 b64token (the gateway refuses others).
// Lets REST tests act as wallets without a SIWE round-trip. Never ship or load it with the
// real auth plugin.
#include <streamgate/services/auth.h>
#include <streamgate/plugin.hpp>

#include <cctype>
#include <cstring>
#include <string_view>

namespace {

bool is_hex_address(std::string_view a) {
  if (a.size() != 42 || a[0] != '0' || (a[1] != 'x' && a[1] != 'X')) return false;
  for (size_t i = 2; i < a.size(); ++i)
    if (std::isxdigit(static_cast<unsigned char>(a[i])) == 0) return false;
  return true;
}

sg_status identify(void*, const char* token, size_t token_size, sg_http_identity* out,
                   sg_error* err) {
  *out = sg_http_identity{};
  std::string_view t(token, token_size);
  bool admin = false;
  if (t.rfind("test-admin.", 0) == 0) {
    admin = true;
    t.remove_prefix(11);
  } else if (t.rfind("test.", 0) == 0) {
    t.remove_prefix(5);
  } else {
    sg::provider::fail(err, SG_ERR_DENIED, "not a test token");
    return SG_ERR_DENIED;
  }
  if (!is_hex_address(t)) {
    sg::provider::fail(err, SG_ERR_DENIED, "test token carries no 0x address");
    return SG_ERR_DENIED;
  }
  out->authenticated = 1;
  std::memcpy(out->address, t.data(), t.size());
  out->address[t.size()] = '\0';
  out->chain_id = 1;
  out->is_admin = admin ? 1 : 0;
  return SG_OK;
}

class TestIdentity final : public sg::Plugin {
 public:
  TestIdentity(sg::Host host, const sg::json&) : sg::Plugin(host) {
    service_.struct_size = sizeof(service_);
    service_.self = this;
    service_.identify = &identify;
    host.register_service(SG_AUTH_SERVICE, SG_AUTH_MAJOR, SG_AUTH_MINOR, &service_);
  }

 private:
  sg_auth_service service_{};
};

}  // namespace

SG_PLUGIN(TestIdentity, "test_identity", "1.0.0", "test-only identity provider (auth v1)",
          sg::provides({{SG_AUTH_SERVICE, SG_AUTH_MAJOR, SG_AUTH_MINOR}}),
          sg::requires_services({}))
