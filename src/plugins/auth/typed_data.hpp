// EIP-712 signature verification shared by the service table and the REST endpoint.
#pragma once

#include <string>

#include <streamgate/plugin.h>
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "web3/keccak.hpp"

namespace sg::auth {

struct TypedDataResult {
  sg_status status = SG_ERR_INVALID;  // SG_OK, SG_ERR_INVALID, SG_ERR_DENIED, SG_ERR_UNAVAILABLE
  std::string message;
  std::string signer;  // recovered EIP-55 address ("" when only EIP-1271 vouched)
  web3::Hash256 digest{};
  bool contract_wallet = false;
};

// Recovers the signer; when `expected` is non-empty the signer must be it (for a contract
// wallet, EIP-1271 on the domain's chainId, which is blocking).
TypedDataResult verify_typed(const Context& core, const nlohmann::json& typed,
                             const std::string& signature, const std::string& expected);

}  // namespace sg::auth
