// Webhook target URLs: parsed and checked once (on create, update and config load), so the
// delivery client only ever sees a well-formed http(s) URL without credentials.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <streamgate/result.hpp>

namespace sg::worker {

struct WebhookUrl {
  std::string text;    // the URL as given
  bool https = false;  // scheme https (else http)
  std::string host;    // lower-cased name, IPv4 literal, or IPv6 literal without brackets
  bool ip_literal = false;
  uint16_t port = 0;        // explicit or the scheme's default
  std::string target;       // path + "?query", "/" when empty
  std::string host_header;  // Host: header value (brackets and a non-default port kept)
};

inline constexpr size_t kMaxWebhookUrlBytes = 2048;

// Accepts http://host[:port][/path][?query] and https://... . Refused, with a message naming
// the problem: other schemes, user:password@ (credentials), fragments, spaces and control
// characters, an empty or malformed host, port 0 or > 65535, URLs over 2048 bytes.
Result<WebhookUrl, std::string> parse_webhook_url(std::string_view text);

}  // namespace sg::worker
