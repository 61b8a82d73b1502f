// EIP-712 typed structured data: encodeType / hashStruct (nested structs, fixed and dynamic
// arrays, all atomic types) and the signing digest of an eth_signTypedData_v4 payload.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "web3/keccak.hpp"

namespace sg::web3::eip712 {

struct Error {
  std::string message;
};

// `typed` = {"types":{...},"primaryType":"...","domain":{...},"message":{...}}. When
// types lacks "EIP712Domain" it is derived from the domain's fields (name, version,
// chainId, verifyingContract, salt), as ethers does. nullopt + *err on malformed input.
std::optional<Hash256> signing_digest(const nlohmann::json& typed, Error* err = nullptr);
std::optional<Hash256> hash_struct(const nlohmann::json& types, const std::string& type,
                                   const nlohmann::json& data, Error* err = nullptr);
// "Mail(Person from,Person to,string contents)Person(string name,address wallet)"
std::optional<std::string> encode_type(const nlohmann::json& types, const std::string& type,
                                       Error* err = nullptr);

}  // namespace sg::web3::eip712
