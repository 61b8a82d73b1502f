// Solidity ABI: the few calls NFT gating and EIP-1271 need, encoded as 32-byte words, and
// strict decoders (exact length, zero padding) so a misbehaving node cannot be misread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "web3/address.hpp"
#include "web3/hex.hpp"
#include "web3/keccak.hpp"
#include "web3/uint256.hpp"

namespace sg::web3::abi {

// First 4 bytes of keccak256(signature), e.g. "balanceOf(address)".
std::array<uint8_t, 4> selector(std::string_view signature);

Bytes erc721_balance_of(const Address& owner);                   // balanceOf(address)
Bytes erc721_owner_of(const Word& token_id);                     // ownerOf(uint256)
Bytes erc1155_balance_of(const Address& owner, const Word& id);  // balanceOf(address,uint256)
Bytes erc1271_is_valid_signature(const Hash256& digest, const Bytes& signature);

// Return data of exactly one uint256 word.
std::optional<Word> decode_uint256(const Bytes& ret);
// Return data of exactly one address word (upper 12 bytes zero).
std::optional<Address> decode_address(const Bytes& ret);
// EIP-1271: true only for the exact magic value 0x1626ba7e left-aligned in one word.
bool is_erc1271_magic(const Bytes& ret);

}  // namespace sg::web3::abi
