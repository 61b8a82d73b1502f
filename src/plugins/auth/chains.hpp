// The configured chains (chain id -> JSON-RPC client with its endpoint list).
#pragma once

#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "web3/rpc_client.hpp"

namespace sg::auth {

class ChainRegistry {
 public:
  explicit ChainRegistry(const std::vector<web3::ChainConfig>& chains);
  web3::RpcClient* find(uint64_t chain_id) const;
  // [{"chain_id","name","block_tag","healthy","endpoints":[...]}]; no network calls.
  nlohmann::json describe() const;

 private:
  std::map<uint64_t, std::unique_ptr<web3::RpcClient>> clients_;
};

}  // namespace sg::auth
