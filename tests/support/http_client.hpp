#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace sgtest {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;

  // First header with this name (case-insensitive), "" when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  // The body parsed as JSON; throws (with the body in the message) when it is not JSON.
  nlohmann::json json() const;
};

// One request on a new connection (Connection: close). Throws on connect/IO failure or
// when no complete response arrives within `timeout`.
HttpResponse http(uint16_t port, std::string method, std::string target, std::string body = "",
                  Headers headers = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A keep-alive connection to 127.0.0.1:port for several requests in a row.
class HttpConnection {
 public:
  explicit HttpConnection(uint16_t port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  HttpResponse request(std::string method, std::string target, std::string body = "",
                       Headers headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // False once the server closed the connection (seen on the last request).
  bool open() const;

  struct Impl;  // public so the one-shot http() can reuse it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sgtest
