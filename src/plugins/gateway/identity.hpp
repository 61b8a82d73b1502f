// Turns the session token (read by sg::credentials, shared with the auth plugin) into a
// verified identity through the optional `auth` v1 service. The raw token is never logged or
// stored.
//
// The auth plugin itself registers routes on the http service, so declaring it as a
// dependency would make a cycle; the service is acquired lazily instead (re-tried at most
// once per second while absent).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include <streamgate/services/auth.h>
#include <streamgate/plugin.hpp>
#include <streamgate/services/auth.hpp>

namespace sg::gateway {

enum class IdentityOutcome { kAnonymous, kAuthenticated, kInvalid, kUnavailable };

class IdentityResolver {
 public:
  explicit IdentityResolver(sg::Host host) : host_(host) {}
  IdentityResolver(const IdentityResolver&) = delete;
  IdentityResolver& operator=(const IdentityResolver&) = delete;
  ~IdentityResolver() { release(); }

  IdentityOutcome resolve(std::string_view token, sg_http_identity& out, std::string& reason);
  void release();

 private:
  const sg_auth_service* service();

  sg::Host host_;
  std::mutex mu_;
  std::atomic<const sg_auth_service*> auth_{nullptr};
  std::atomic<std::int64_t> next_try_ms_{0};
  bool released_ = false;
};

}  // namespace sg::gateway
