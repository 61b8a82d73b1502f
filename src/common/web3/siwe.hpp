// Sign-In with Ethereum (EIP-4361): an exact parser of the message ABNF. Policy checks
// (domain, nonce, time window, chain allow-list) are the caller's; this only says what the
// message states, or precisely why it is not a SIWE message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sg::web3 {

struct SiweMessage {
  std::string scheme;   // "" when absent
  std::string domain;   // RFC 3986 authority
  std::string address;  // EIP-55 text as written
  std::optional<std::string> statement;
  std::string uri;
  std::string version;  // always "1"
  uint64_t chain_id = 0;
  std::string nonce;
  std::string issued_at;
  int64_t issued_at_unix = 0;
  std::optional<std::string> expiration_time;
  int64_t expiration_unix = 0;
  std::optional<std::string> not_before;
  int64_t not_before_unix = 0;
  std::optional<std::string> request_id;
  std::vector<std::string> resources;
};

struct SiweParseError {
  std::string field;    // which part failed, e.g. "nonce"
  std::string message;  // human text
};

// Parses `text`; on failure returns nullopt and fills *err.
std::optional<SiweMessage> parse_siwe(std::string_view text, SiweParseError* err = nullptr);

// RFC 3339 date-time to Unix seconds (fraction truncated); nullopt when malformed.
std::optional<int64_t> parse_rfc3339(std::string_view text);

}  // namespace sg::web3
