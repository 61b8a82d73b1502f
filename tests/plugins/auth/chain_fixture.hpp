// A local EVM chain for the auth tests: tests/node/auth-chain.js (ganache + solc-js +
// OpenZeppelin 5.4.0) on 127.0.0.1:<free port>, started once per test suite.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "support.hpp"

namespace authtest {

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
  uint16_t port() const { return port_; }

 private:
  sgtest::Process process_;
  std::unique_ptr<sgtest::TempDir> dir_;
  nlohmann::json deployment_;
  uint16_t port_ = 0;
};

// The chain shared by every test of this binary (started on first use).
std::shared_ptr<LocalChain> shared_chain();

}  // namespace authtest
