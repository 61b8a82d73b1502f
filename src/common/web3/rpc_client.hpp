// JSON-RPC 2.0 client for one chain: an ordered list of HTTP/HTTPS endpoints (Beast +
// OpenSSL, certificates verified), a timeout per attempt, failover to the next endpoint on
// connect failure / timeout / HTTP 5xx / JSON-RPC error, and a small circuit breaker per
// endpoint. Blocking: call it from a blocking-pool thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "web3/hex.hpp"

namespace sg::web3 {

struct ChainConfig {
  uint64_t chain_id = 0;
  std::string name;
  std::vector<std::string> rpc_urls;
  uint32_t timeout_ms = 3000;
  std::string block_tag = "latest";  // or "safe", "finalized", a 0x block number
  std::string ca_file;               // extra trust anchor for HTTPS endpoints (optional)
  uint32_t breaker_failures = 3;     // consecutive failures that open an endpoint's breaker
  uint32_t breaker_cooldown_ms = 5000;
};

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;  // path + query, "/" when empty
  // scheme://host:port only: endpoint paths often embed API keys, so logs and health
  // output never show them.
  std::string redacted() const;
};
std::optional<Url> parse_url(std::string_view text);

struct RpcOutcome {
  enum Kind {
    kOk,           // result holds the JSON-RPC result
    kReverted,     // the node answered that the call reverted (deterministic; no failover)
    kUnavailable,  // no endpoint gave an answer
  } kind = kUnavailable;
  nlohmann::json result;
  std::string message;  // for kReverted / kUnavailable; never contains URLs' paths
};

class RpcClient {
 public:
  explicit RpcClient(ChainConfig config);
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  const ChainConfig& config() const noexcept { return config_; }

  RpcOutcome call(const std::string& method, const nlohmann::json& params);
  // eth_call at the configured block tag; on kOk `data` receives the decoded return bytes.
  RpcOutcome eth_call(const std::string& to, const Bytes& calldata, Bytes* data);
  // eth_getCode; on kOk `code` receives the bytecode (empty for an externally owned account).
  RpcOutcome get_code(const std::string& address, Bytes* code);

  // [{"url": redacted, "healthy": bool, "consecutive_failures": n, "last_error": "..."}]
  nlohmann::json health() const;

 private:
  struct Endpoint;
  ChainConfig config_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  struct Tls;
  std::unique_ptr<Tls> tls_;
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace sg::web3
