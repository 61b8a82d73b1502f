// "Did this address sign this digest?": ECDSA recovery first (EOAs, no network), then, when
// the address has contract code on the chain, EIP-1271 isValidSignature via eth_call.
// Blocking when it reaches the chain.
#pragma once

#include <string>
#include <string_view>

#include "web3/address.hpp"
#include "web3/keccak.hpp"
#include "web3/rpc_client.hpp"

namespace sg::auth {

enum class SignerVerdict { kValid, kInvalid, kUnavailable };

struct SignerResult {
  SignerVerdict verdict = SignerVerdict::kInvalid;
  bool contract_wallet = false;
  std::string message;
};

// `chain` may be null (no EIP-1271 fallback possible then).
SignerResult verify_signer(const web3::Hash256& digest, std::string_view signature_hex,
                           const web3::Address& expected, web3::RpcClient* chain);

}  // namespace sg::auth
