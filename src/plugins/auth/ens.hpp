// ENS primary names (ENSIP-3 reverse resolution): the name an address's reverse record
// claims, kept only when that name resolves forward to the same address, so nobody can
// claim vitalik.eth for their own wallet. Blocking (JSON-RPC): call from the blocking pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "web3/address.hpp"
#include "web3/keccak.hpp"
#include "web3/rpc_client.hpp"

namespace sg::auth {

// EIP-137 namehash of an already normalised (lower-case) name.
web3::Hash256 ens_namehash(std::string_view name);

// The string return value of name(bytes32): one offset word (32), a length word and the
// bytes; nullopt unless exactly that shape, at most 255 bytes, without control characters.
std::optional<std::string> decode_ens_name(const web3::Bytes& ret);

struct EnsAnswer {
  enum Kind { kName, kNone, kUnavailable } kind = kNone;
  std::string name;     // kName
  std::string message;  // kUnavailable: why, without endpoint URLs
};

class EnsLookup {
 public:
  // client: the chain's RPC client (not owned; nullptr = ENS off). registry: EIP-55 address.
  EnsLookup(web3::RpcClient* client, std::string registry, std::chrono::seconds ttl);
  bool enabled() const { return client_ != nullptr; }
  EnsAnswer lookup(const web3::Address& address);

 private:
  EnsAnswer resolve(const web3::Address& address);
  // resolver(node) in the registry; nullopt when unavailable, a zero address when none.
  std::optional<web3::Address> resolver_of(const web3::Hash256& node, std::string* why);

  static constexpr std::size_t kMaxCached = 10000;
  struct Cached {
    EnsAnswer answer;
    std::chrono::steady_clock::time_point expires;
  };
  web3::RpcClient* client_;
  std::string registry_;
  std::chrono::seconds ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;  // by lower-case hex address
};

}  // namespace sg::auth
