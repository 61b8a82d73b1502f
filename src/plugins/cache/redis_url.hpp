// Parsing of redis://[[user]:password@]host[:port][/db] URLs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sg::cache {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  std::string user;      // empty = default user (AUTH <password>)
  std::string password;  // empty = no AUTH; never logged
  uint32_t db = 0;
};

// Returns the endpoint, or std::nullopt with *error naming what is wrong (the message never
// contains the password).
std::optional<RedisEndpoint> parse_redis_url(std::string_view url, std::string* error);

// The URL with any credentials replaced by "***", safe for logs and health output.
std::string redact_redis_url(const RedisEndpoint& endpoint);

}  // namespace sg::cache
