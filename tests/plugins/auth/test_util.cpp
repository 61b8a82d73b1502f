#include "test_util.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <cstring>
#include <ctime>
#include <stdexcept>

namespace authtest {

using namespace sg::web3;

namespace {
secp256k1_context* sign_ctx() {
  static secp256k1_context* ctx =
      secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
  return ctx;
}
Bytes key_bytes(const std::string& hex) {
  auto k = from_hex(hex);
  if (!k || k->size() != 32) throw std::invalid_argument("bad private key");
  return *k;
}
}  // namespace

std::string sign_digest(const Hash256& digest, const std::string& private_key_hex) {
  Bytes key = key_bytes(private_key_hex);
  secp256k1_ecdsa_recoverable_signature sig;
  if (secp256k1_ecdsa_sign_recoverable(sign_ctx(), &sig, digest.data(), key.data(), nullptr,
                                       nullptr) != 1)
    throw std::runtime_error("sign failed");
  uint8_t out[65];
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(sign_ctx(), out, &recid, &sig);
  out[64] = static_cast<uint8_t>(27 + recid);
  return to_hex(std::span<const uint8_t>(out, 65));
}

Address address_of(const std::string& private_key_hex) {
  Bytes key = key_bytes(private_key_hex);
  secp256k1_pubkey pub;
  if (secp256k1_ec_pubkey_create(sign_ctx(), &pub, key.data()) != 1)
    throw std::runtime_error("bad key");
  uint8_t out[65];
  size_t len = sizeof(out);
  secp256k1_ec_pubkey_serialize(sign_ctx(), out, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
  Hash256 h = keccak256(std::span<const uint8_t>(out + 1, 64));
  Address a;
  std::memcpy(a.data(), h.data() + 12, 20);
  return a;
}

std::string personal_sign(const std::string& message, const std::string& private_key_hex) {
  return sign_digest(personal_message_hash(message), private_key_hex);
}

sg::auth::AuthConfig test_config(const std::string& domain) {
  nlohmann::json section = {{"jwt_secret", "test-secret-0123456789-0123456789-abcdef"},
                            {"domains", {domain}},
                            {"chain_ids", {1, 137, 31337, 1337}},
                            {"admins", {"0x2c7536e3605d9c16a7a3d7b1898e529396a65c23"}}};
  return sg::auth::parse_config(section, false);
}

std::string rfc3339(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string siwe_message(const std::string& domain, const std::string& address, uint64_t chain_id,
                         const std::string& nonce, const std::string& issued_at,
                         const std::string& extra_lines) {
  return domain + " wants you to sign in with your Ethereum account:\n" + address +
         "\n\nSign in to StreamGate.\n\nURI: http://" + domain +
         "/\nVersion: 1\nChain ID: " + std::to_string(chain_id) + "\nNonce: " + nonce +
         "\nIssued At: " + issued_at + extra_lines;
}

}  // namespace authtest
