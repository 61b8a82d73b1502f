#include "chains.hpp"

namespace sg::auth {

ChainRegistry::ChainRegistry(const std::vector<web3::ChainConfig>& chains) {
  for (const auto& c : chains) clients_.emplace(c.chain_id, std::make_unique<web3::RpcClient>(c));
}

web3::RpcClient* ChainRegistry::find(uint64_t chain_id) const {
  auto it = clients_.find(chain_id);
  return it == clients_.end() ? nullptr : it->second.get();
}

nlohmann::json ChainRegistry::describe() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, client] : clients_) {
    auto endpoints = client->health();
    bool any_healthy = false;
    for (const auto& e : endpoints) any_healthy = any_healthy || e.value("healthy", false);
    out.push_back({{"chain_id", id},
                   {"name", client->config().name},
                   {"block_tag", client->config().block_tag},
                   {"healthy", any_healthy},
                   {"endpoints", endpoints}});
  }
  return out;
}

}  // namespace sg::auth
