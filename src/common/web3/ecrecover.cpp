#include "web3/ecrecover.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <cstring>

#include "web3/hex.hpp"

namespace sg::web3 {

namespace {

// Verification-only context, created once; libsecp256k1 contexts are thread-safe for
// const use after creation.
const secp256k1_context* context() {
  static secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
  return ctx;
}

bool set_error(SigError* err, std::string message) {
  if (err != nullptr) *err = SigError{"invalid_signature", std::move(message)};
  return false;
}

}  // namespace

std::optional<Signature> parse_signature(std::string_view hex, SigError* err) {
  if (hex.size() < 2 || hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X')) {
    set_error(err, "signature must be 0x-prefixed hex");
    return std::nullopt;
  }
  auto bytes = from_hex(hex);
  if (!bytes) {
    set_error(err, "signature is not valid hex");
    return std::nullopt;
  }
  if (bytes->size() != 65) {
    set_error(err, "signature must be 65 bytes (r, s, v)");
    return std::nullopt;
  }
  Signature sig;
  std::memcpy(sig.rs.data(), bytes->data(), 64);
  uint8_t v = (*bytes)[64];
  if (v == 27 || v == 28) {
    sig.recid = v - 27;
  } else if (v == 0 || v == 1) {
    sig.recid = v;
  } else {
    set_error(err, "signature v must be 27, 28, 0 or 1");
    return std::nullopt;
  }
  secp256k1_ecdsa_signature plain;
  if (secp256k1_ecdsa_signature_parse_compact(context(), &plain, sig.rs.data()) == 0) {
    set_error(err, "signature r or s is out of range");
    return std::nullopt;
  }
  // normalize() returns 1 when it had to flip s: the input was the high-s twin.
  secp256k1_ecdsa_signature normal;
  if (secp256k1_ecdsa_signature_normalize(context(), &normal, &plain) != 0) {
    set_error(err, "signature s is in the upper half of the curve order (malleable)");
    return std::nullopt;
  }
  static const uint8_t zero[32] = {};
  if (std::memcmp(sig.rs.data(), zero, 32) == 0 || std::memcmp(sig.rs.data() + 32, zero, 32) == 0) {
    set_error(err, "signature r or s is zero");
    return std::nullopt;
  }
  return sig;
}

std::optional<Address> recover(const Hash256& digest, const Signature& sig) {
  secp256k1_ecdsa_recoverable_signature rsig;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &rsig, sig.rs.data(),
                                                          sig.recid) == 0) {
    return std::nullopt;
  }
  secp256k1_pubkey pub;
  if (secp256k1_ecdsa_recover(context(), &pub, &rsig, digest.data()) == 0) return std::nullopt;
  uint8_t out[65];
  size_t len = sizeof(out);
  secp256k1_ec_pubkey_serialize(context(), out, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
  Hash256 h = keccak256(std::span<const uint8_t>(out + 1, 64));
  Address a;
  std::memcpy(a.data(), h.data() + 12, 20);
  return a;
}

Hash256 personal_message_hash(std::string_view message) {
  Keccak256 k;
  k.update(
      std::string_view("\x19"
                       "Ethereum Signed Message:\n"));
  k.update(std::to_string(message.size()));
  k.update(message);
  return k.finish();
}

}  // namespace sg::web3
