// Helpers for auth tests: fixture loading and signing with known private keys (the same
// libsecp256k1 ethers' results are checked against, used only to produce test inputs).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "web3/address.hpp"
#include "web3/ecrecover.hpp"
#include "web3/hex.hpp"
#include "web3/keccak.hpp"

namespace authtest {

inline nlohmann::json load_fixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(AUTH_FIXTURE_DIR) / name);
  return nlohmann::json::parse(in);
}

// 65-byte 0x-hex r||s||v (v = 27/28) signature of `digest` with `private_key_hex`.
std::string sign_digest(const sg::web3::Hash256& digest, const std::string& private_key_hex);
sg::web3::Address address_of(const std::string& private_key_hex);
std::string personal_sign(const std::string& message, const std::string& private_key_hex);

// EIP-712 typed data Bag{items: Item[]} with `items` elements Item{v: uint256}: large
// inputs of a known shape for the encoder's limits and cost.
inline nlohmann::json bag_typed_data(size_t items) {
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = 0; i < items; ++i) list.push_back({{"v", i * 7 + 1}});
  return {{"types",
           {{"EIP712Domain", {{{"name", "name"}, {"type", "string"}}}},
            {"Bag", {{{"name", "items"}, {"type", "Item[]"}}}},
            {"Item", {{{"name", "v"}, {"type", "uint256"}}}}}},
          {"primaryType", "Bag"},
          {"domain", {{"name", "StreamGate"}}},
          {"message", {{"items", list}}}};
}

// A dev-mode config with a fixed secret and the given SIWE domain.
sg::auth::AuthConfig test_config(const std::string& domain = "localhost:8080");

// A SIWE message in the exact EIP-4361 layout.
std::string siwe_message(const std::string& domain, const std::string& address, uint64_t chain_id,
                         const std::string& nonce, const std::string& issued_at,
                         const std::string& extra_lines = "");
std::string rfc3339(int64_t unix_seconds);

}  // namespace authtest
