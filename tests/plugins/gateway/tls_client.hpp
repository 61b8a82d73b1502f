// A minimal HTTPS client (Beast + OpenSSL) that verifies the server certificate against a
// given CA file, for the TLS tests.
#pragma once

#include <cstdint>
#include <string>

#include "support.hpp"

namespace gwtest {

struct TlsResult {
  bool ok = false;
  std::string error;  // handshake / IO failure
  std::vector<sgtest::HttpResponse> responses;
};

// Sends `count` GET requests for `target` on one TLS connection (keep-alive).
TlsResult https_get(uint16_t port, const std::string& ca_file, const std::string& target,
                    int count = 1, sgtest::Headers headers = {});

}  // namespace gwtest
