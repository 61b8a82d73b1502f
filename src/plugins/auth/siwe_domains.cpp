#include "siwe_domains.hpp"

#include <algorithm>

namespace sg::auth {

namespace {

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

void add_unique(std::vector<std::string>& out, const std::string& d) {
  if (!d.empty() && std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
}

// Browsers omit a scheme's default port from location.host, which is what wallets put in
// the message's domain; listing both forms keeps either accepted.
void add_host_port(std::vector<std::string>& out, const std::string& host, uint16_t port) {
  add_unique(out, host + ":" + std::to_string(port));
  if (port == 80 || port == 443) add_unique(out, host);
}

}  // namespace

std::string url_authority(const std::string& url) {
  std::string u = lower(url);
  size_t start = 0;
  if (u.rfind("https://", 0) == 0)
    start = 8;
  else if (u.rfind("http://", 0) == 0)
    start = 7;
  else
    return "";
  size_t end = u.find_first_of("/?#", start);
  std::string authority =
      u.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (size_t at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  if (authority.empty() || authority.front() == ':') return "";
  // An explicit default port is dropped, as browsers do.
  bool https = start == 8;
  std::string default_port = https ? ":443" : ":80";
  if (authority.size() > default_port.size() &&
      authority.compare(authority.size() - default_port.size(), default_port.size(),
                        default_port) == 0 &&
      authority.back() != ']')
    authority.erase(authority.size() - default_port.size());
  return authority;
}

DerivedDomains derive_siwe_domains(const std::string& public_base_url,
                                   const std::string& listen_host, uint16_t port) {
  DerivedDomains r;
  add_unique(r.domains, url_authority(public_base_url));
  std::string host = lower(listen_host);
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]") {
    add_host_port(r.domains, "localhost", port);
    r.note =
        "the gateway listens on all interfaces, so only localhost:" + std::to_string(port) +
        (public_base_url.empty() ? "" : " and the public_base_url host") +
        " are accepted for sign-in; set plugins.auth.domains (or plugins.auth.public_base_url) "
        "to the names users reach this server by";
    return r;
  }
  bool v6 = host.find(':') != std::string::npos;
  std::string named = v6 && host.front() != '[' ? "[" + host + "]" : host;
  add_host_port(r.domains, named, port);
  if (host == "127.0.0.1" || host == "::1" || host == "[::1]")
    add_host_port(r.domains, "localhost", port);
  if (host == "localhost") add_host_port(r.domains, "127.0.0.1", port);
  return r;
}

}  // namespace sg::auth
