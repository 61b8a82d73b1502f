// Signing webhook deliveries the way Stripe does, so receivers can use familiar code:
//   StreamGate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
// The timestamp is signed with the body, so a receiver that refuses old timestamps (e.g.
// older than 5 minutes) also refuses replays of a captured request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sg::worker {

// Lower-case hex HMAC-SHA256 of `data` under `key` (OpenSSL).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// "t=<unix_seconds>,v1=<hmac_sha256_hex(secret, "<unix_seconds>.<body>")>"
std::string signature_header(std::string_view secret, int64_t unix_seconds, std::string_view body);

// A new endpoint secret: "whsec_" + 32 random bytes (OpenSSL RAND_bytes) in hex. The whole
// string is the HMAC key. Throws sg::Error when the random generator fails.
std::string generate_webhook_secret();

}  // namespace sg::worker
