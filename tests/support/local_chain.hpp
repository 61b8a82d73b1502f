// A local EVM chain for tests: tests/node/auth-chain.js (ganache + solc-js + OpenZeppelin
// 5.4.0) on 127.0.0.1:<free port>, chain id 1337. Deployed: an ERC-721 (token #1 minted to
// account 0), an ERC-1155 (3 x id 7 minted to account 0) and an ERC-1271 wallet owned by
// account 0; accounts 1 and 2 hold nothing. Used by auth_tests and streaming_tests.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "process.hpp"
#include "temp_dir.hpp"

namespace sgtest {

class LocalChain {
 public:
  // Empty when node or the npm clients are missing (the reason is in skip_reason()).
  static std::shared_ptr<LocalChain> start();
  static const std::string& skip_reason();

  const nlohmann::json& deployment() const { return deployment_; }
  std::string rpc_url() const { return deployment_["rpc_url"]; }
  std::string account(size_t i) const { return deployment_["accounts"][i]["address"]; }
  std::string key(size_t i) const { return deployment_["accounts"][i]["key"]; }
  std::string erc721() const { return deployment_["erc721"]; }
  std::string erc1155() const { return deployment_["erc1155"]; }
  std::string wallet() const { return deployment_["wallet"]; }
  // A minimal ENS registry: account 0 reverse-resolves to alice.eth (and alice.eth to it);
  // account 1's reverse record claims alice.eth without the forward record; account 2 has none.
  std::string ens_registry() const { return deployment_["ens_registry"]; }
  uint16_t port() const { return port_; }

 private:
  Process process_;
  std::unique_ptr<TempDir> dir_;
  nlohmann::json deployment_;
  uint16_t port_ = 0;
};

// The chain shared by every test of this binary (started on first use; nullptr when it
// cannot run here, see LocalChain::skip_reason()).
std::shared_ptr<LocalChain> shared_chain();

}  // namespace sgtest
