// Gate rules ("may this identity play content behind this gate?") and NFT ownership checks
// over eth_call, with cached answers (separate TTLs for has / has-not). Fail closed: when the
// chain cannot be asked, the answer is kUnavailable, never "allowed".
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "chains.hpp"
#include "config.hpp"
#include "kv_store.hpp"
#include "web3/uint256.hpp"

namespace sg::auth {

struct NftQuery {
  uint64_t chain_id = 0;
  std::string contract;  // EIP-55
  std::string standard;  // "erc721" | "erc1155"
  std::optional<web3::Word> token_id;
  web3::Word min_balance = web3::word_from_u64(1);
  std::string address;  // EIP-55, whose access is checked
};

enum class GateStatus { kOk, kInvalid, kUnavailable };

struct GateAnswer {
  GateStatus status = GateStatus::kInvalid;
  bool allowed = false;
  bool cached = false;
  std::string balance;  // decimal, NFT rules only
  std::string reason;   // why not allowed
  std::string message;  // for kInvalid / kUnavailable
};

struct AuthMetrics;
class Context;
// Counts one answer in the gate metrics.
void count_gate(Context& core, const GateAnswer& a);

// Parses {chain_id, contract, standard, token_id?, min_balance?} (address is filled by the
// caller). On failure returns nullopt and sets *error.
std::optional<NftQuery> parse_nft_query(const nlohmann::json& j, std::string* error);

class GateChecker {
 public:
  GateChecker(const AuthConfig& config, const ChainRegistry& chains, KvStore& cache)
      : config_(config), chains_(chains), cache_(cache) {}

  // `address` is "" for an anonymous caller. Blocking when a chain must be asked.
  GateAnswer check(const std::string& address, const nlohmann::json& rule, bool bypass_cache) const;
  GateAnswer check_nft(const NftQuery& q, bool bypass_cache) const;

 private:
  GateAnswer check_rule(const std::string& address, const nlohmann::json& rule, bool bypass,
                        int depth) const;
  const AuthConfig& config_;
  const ChainRegistry& chains_;
  KvStore& cache_;
};

}  // namespace sg::auth
