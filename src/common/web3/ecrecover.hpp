// secp256k1 public-key recovery (libsecp256k1's recovery module) for Ethereum signatures.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "web3/address.hpp"
#include "web3/keccak.hpp"

namespace sg::web3 {

// A 65-byte r || s || v signature. v in {27, 28, 0, 1}.
struct Signature {
  std::array<uint8_t, 64> rs{};
  int recid = 0;
};

struct SigError {
  std::string code;  // "invalid_signature" etc.
  std::string message;
};

// Parses 0x-hex of exactly 65 bytes; rejects bad hex, wrong length, v outside {27,28,0,1},
// r or s of zero or >= n, and high s (EIP-2: malleable signatures are refused).
std::optional<Signature> parse_signature(std::string_view hex, SigError* err = nullptr);
// Recovers the signer of a 32-byte digest; nullopt when no key recovers.
std::optional<Address> recover(const Hash256& digest, const Signature& sig);
// EIP-191 version 0x45 ("personal_sign") digest of a message.
Hash256 personal_message_hash(std::string_view message);

}  // namespace sg::web3
