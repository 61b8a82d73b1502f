// Which SIWE domains this server accepts when plugins.auth.domains is empty. Never the
// request's Host header (an attacker's relay sets it to whatever its phishing page says);
// instead the names this server is configured to be reached by: the public base URL's
// authority, and the gateway's listen address (loopback is reachable as both 127.0.0.1 and
// localhost; a wildcard address names no host, so only localhost:<port> then).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sg::auth {

struct DerivedDomains {
  std::vector<std::string> domains;
  std::string note;  // non-empty when the operator should configure plugins.auth.domains
};

// `public_base_url` may be "" (none); `listen_host` as configured ("" = all interfaces).
DerivedDomains derive_siwe_domains(const std::string& public_base_url,
                                   const std::string& listen_host, uint16_t port);

// "https://user@Video.Example.com:8443/x" -> "video.example.com:8443"; "" when not an
// http(s) URL with a host.
std::string url_authority(const std::string& url);

}  // namespace sg::auth
