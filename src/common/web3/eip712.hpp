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

// Anonymous callers can submit typed data, so its cost is bounded before any hashing: the
// shape of `types` and of the values is checked first (cheap), and each struct type's
// encodeType/typeHash is computed once per call however many values use it. Every limit
// is far above what wallets produce (EIP-712 examples and the ethers fixtures use a handful).
struct Limits {
  static constexpr size_t kMaxTypes = 64;          // entries of "types"
  static constexpr size_t kMaxFields = 64;         // fields of one type
  static constexpr size_t kMaxNameBytes = 256;     // a type's or field's name / type string
  static constexpr size_t kMaxArrayLength = 1024;  // elements of one array value
  static constexpr size_t kMaxValues = 8192;       // JSON values in domain + message
  static constexpr int kMaxDepth = 16;             // nesting of structs and arrays
};

// What one call did (for tests and benchmarks).
struct Stats {
  size_t type_hashes = 0;    // encodeType + keccak computations (once per struct type used)
  size_t values_hashed = 0;  // values encoded
};

// `typed` = {"types":{...},"primaryType":"...","domain":{...},"message":{...}}. When
// types lacks "EIP712Domain" it is derived from the domain's fields (name, version,
// chainId, verifyingContract, salt), as ethers does. nullopt + *err on malformed input or
// input past Limits.
std::optional<Hash256> signing_digest(const nlohmann::json& typed, Error* err = nullptr,
                                      Stats* stats = nullptr);
std::optional<Hash256> hash_struct(const nlohmann::json& types, const std::string& type,
                                   const nlohmann::json& data, Error* err = nullptr,
                                   Stats* stats = nullptr);
// "Mail(Person from,Person to,string contents)Person(string name,address wallet)"
std::optional<std::string> encode_type(const nlohmann::json& types, const std::string& type,
                                       Error* err = nullptr);

}  // namespace sg::web3::eip712
