#include "typed_data.hpp"

#include "signer.hpp"
#include "web3/address.hpp"
#include "web3/ecrecover.hpp"
#include "web3/eip712.hpp"

namespace sg::auth {

TypedDataResult verify_typed(const Context& core, const nlohmann::json& typed,
                             const std::string& signature, const std::string& expected) {
  TypedDataResult r;
  web3::eip712::Error e;
  auto digest = web3::eip712::signing_digest(typed, &e);
  if (!digest) {
    r.message = "invalid typed data: " + e.message;
    return r;
  }
  r.digest = *digest;
  web3::SigError se;
  auto sig = web3::parse_signature(signature, &se);
  std::optional<web3::Address> signer;
  if (sig) signer = web3::recover(*digest, *sig);
  if (signer) r.signer = web3::to_checksum(*signer);
  if (expected.empty()) {
    if (!sig) {
      r.message = se.message;
      return r;
    }
    if (!signer) {
      r.status = SG_ERR_DENIED;
      r.message = "no signer recovers from this signature";
      return r;
    }
    r.status = SG_OK;
    return r;
  }
  auto want = web3::parse_address(expected);
  if (!want) {
    r.message = "expected address is not valid";
    return r;
  }
  if (signer && *signer == *want) {
    r.status = SG_OK;
    return r;
  }
  // Contract wallets: ask the chain named by the domain (when configured).
  web3::RpcClient* chain = nullptr;
  if (auto d = typed.find("domain"); d != typed.end() && d->contains("chainId")) {
    auto id = web3::uint256_from_json((*d)["chainId"]);
    if (id && web3::fits_bits(*id, 64)) {
      uint64_t v = 0;
      for (size_t i = 24; i < 32; ++i) v = v << 8 | (*id)[i];
      chain = core.chains().find(v);
    }
  }
  SignerResult s = verify_signer(*digest, signature, *want, chain);
  if (s.verdict == SignerVerdict::kValid) {
    r.status = SG_OK;
    r.contract_wallet = s.contract_wallet;
    r.signer = web3::to_checksum(*want);
    return r;
  }
  r.status = s.verdict == SignerVerdict::kUnavailable ? SG_ERR_UNAVAILABLE
             : sig                                    ? SG_ERR_DENIED
                                                      : SG_ERR_INVALID;
  r.message = s.message.empty() ? "signature is not from the expected address" : s.message;
  return r;
}

}  // namespace sg::auth
