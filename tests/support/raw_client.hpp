// A raw loopback TCP client for what a polite HTTP client cannot do: slow headers,
// oversized headers, half-sent bodies, hanging up mid-response, streaming 1 GiB.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "support.hpp"

namespace sgtest {

class RawClient {
 public:
  explicit RawClient(uint16_t port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // Sends everything (blocking with poll); false when the peer closed or timed out.
  bool send(std::string_view data, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads one response (header + Content-Length or chunked body; no body for HEAD/204/304).
  std::optional<sgtest::HttpResponse> read_response(
      std::chrono::milliseconds timeout = std::chrono::seconds(10), bool head = false);
  // Reads up to `n` bytes of whatever arrives next (empty on EOF or timeout).
  std::string read_some(std::size_t n, std::chrono::milliseconds timeout);
  // True when the server closes the connection within `timeout` (EOF or reset).
  bool wait_closed(std::chrono::milliseconds timeout);
  void close();
  int fd() const { return fd_; }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);  // false on EOF/timeout
  int fd_ = -1;
  std::string buf_;
};

}  // namespace sgtest
