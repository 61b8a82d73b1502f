#include "signer.hpp"

#include "web3/abi.hpp"
#include "web3/ecrecover.hpp"

namespace sg::auth {

SignerResult verify_signer(const web3::Hash256& digest, std::string_view signature_hex,
                           const web3::Address& expected, web3::RpcClient* chain) {
  SignerResult r;
  web3::SigError sig_err;
  auto sig = web3::parse_signature(signature_hex, &sig_err);
  if (sig) {
    auto who = web3::recover(digest, *sig);
    if (who && *who == expected) {
      r.verdict = SignerVerdict::kValid;
      return r;
    }
    r.message = "signature does not match the address";
  } else {
    r.message = sig_err.message;
  }
  // Contract wallets sign however they like (multisig, passkeys): any hex payload may be
  // valid for EIP-1271, so only well-formed hex is required on this path.
  if (chain == nullptr) return r;
  auto raw = signature_hex.size() >= 2 && signature_hex[0] == '0' && signature_hex[1] == 'x'
                 ? web3::from_hex(signature_hex)
                 : std::nullopt;
  if (!raw || raw->size() > 4096) return r;
  std::string addr = web3::to_checksum(expected);
  web3::Bytes code;
  auto got = chain->get_code(addr, &code);
  if (got.kind != web3::RpcOutcome::kOk) {
    r.verdict = SignerVerdict::kUnavailable;
    r.message = "cannot reach the chain to check for a contract wallet";
    return r;
  }
  if (code.empty()) return r;
  r.contract_wallet = true;
  web3::Bytes ret;
  auto call = chain->eth_call(addr, web3::abi::erc1271_is_valid_signature(digest, *raw), &ret);
  if (call.kind == web3::RpcOutcome::kUnavailable) {
    r.verdict = SignerVerdict::kUnavailable;
    r.message = "cannot reach the chain to verify the contract wallet signature";
    return r;
  }
  if (call.kind == web3::RpcOutcome::kOk && web3::abi::is_erc1271_magic(ret)) {
    r.verdict = SignerVerdict::kValid;
    r.message.clear();
    return r;
  }
  r.message = "contract wallet rejected the signature (EIP-1271)";
  return r;
}

}  // namespace sg::auth
