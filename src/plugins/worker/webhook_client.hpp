// The outgoing HTTP(S) client of webhook deliveries: one POST, blocking the calling runner
// thread, bounded by one overall deadline. Against SSRF it resolves the host once, refuses
// the request when ANY resolved address is not public (unless private targets are allowed),
// and connects only to the addresses it checked (no second lookup, so DNS rebinding cannot
// swap in an internal address). Redirects are never followed; the response body is read up
// to 64 KiB (a longer declared one is not read, its status still counts).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "webhook_url.hpp"

namespace sg::worker {

struct WebhookRequest {
  WebhookUrl url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct WebhookClientOptions {
  std::chrono::milliseconds timeout{10000};
  bool allow_private_targets = false;
  std::string ca_file;  // extra trusted CAs (PEM) besides the system store; "" = none
  size_t max_response_bytes = 64 * 1024;
};

struct WebhookResponse {
  enum class Outcome {
    delivered,      // a 2xx answer
    http_error,     // any other answer (3xx included: redirects are not followed)
    refused,        // the address policy refused every try; nothing was sent
    timeout,        // the deadline passed
    network_error,  // resolve, connect, TLS or I/O failure
  };
  Outcome outcome = Outcome::network_error;
  int status = 0;          // HTTP status when an answer came
  int64_t latency_ms = 0;  // from the start of the lookup to the end of the answer
  std::string error;       // human text for every outcome but delivered
  std::string body;        // response body, at most max_response_bytes
  std::string address;     // the address connected to (or refused), for the log
};

const char* outcome_name(WebhookResponse::Outcome o);

// Sends `request` as POST. Never throws.
WebhookResponse send_webhook(const WebhookRequest& request, const WebhookClientOptions& options);

}  // namespace sg::worker
