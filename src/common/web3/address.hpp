// Ethereum addresses: 20 bytes, written with the EIP-55 mixed-case checksum.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sg::web3 {

using Address = std::array<uint8_t, 20>;

// "0x" + 40 hex digits in EIP-55 checksum case.
std::string to_checksum(const Address& a);
// Parses "0x" + 40 hex. All-lower or all-upper hex is accepted as is; mixed case must be a
// valid EIP-55 checksum (a typo detector), otherwise nullopt.
std::optional<Address> parse_address(std::string_view text);
// Same, but the text must be exactly the EIP-55 form (SIWE requires it).
std::optional<Address> parse_checksummed(std::string_view text);

}  // namespace sg::web3
