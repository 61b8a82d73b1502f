#include "identity.hpp"

#include <chrono>
#include <cstring>

namespace sg::gateway {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

const sg_auth_service* IdentityResolver::service() {
  const sg_auth_service* svc = auth_.load(std::memory_order_acquire);
  if (svc != nullptr) return svc;
  std::int64_t now = now_ms();
  if (now < next_try_ms_.load(std::memory_order_relaxed)) return nullptr;
  std::lock_guard lock(mu_);
  if (released_) return nullptr;
  svc = auth_.load(std::memory_order_acquire);
  if (svc != nullptr) return svc;
  next_try_ms_.store(now + 1000, std::memory_order_relaxed);
  try {
    svc = host_.acquire<sg_auth_service>(SG_AUTH_SERVICE, SG_AUTH_MAJOR, 0);
  } catch (const std::exception& e) {
    host_.warn(std::string("auth service unusable: ") + e.what());
    svc = nullptr;
  }
  if (svc != nullptr) {
    if (svc->struct_size < sizeof(sg_auth_service) || svc->identify == nullptr) {
      host_.warn("auth service table too old; identities disabled");
      host_.release(SG_AUTH_SERVICE, SG_AUTH_MAJOR);
      return nullptr;
    }
    auth_.store(svc, std::memory_order_release);
  }
  return svc;
}

IdentityOutcome IdentityResolver::resolve(std::string_view token, sg_http_identity& out,
                                          std::string& reason) {
  std::memset(&out, 0, sizeof out);
  if (token.empty()) return IdentityOutcome::kAnonymous;
  const sg_auth_service* svc = service();
  if (svc == nullptr) return IdentityOutcome::kAnonymous;  // nothing can verify it
  sg_error err{};
  sg_status st = svc->identify(svc->self, token.data(), token.size(), &out, &err);
  if (st == SG_OK && out.authenticated != 0) {
    out.address[SG_IDENTITY_ADDRESS_MAX - 1] = '\0';
    return IdentityOutcome::kAuthenticated;
  }
  std::memset(&out, 0, sizeof out);
  reason = err.message[0] != '\0' ? err.message : "invalid session token";
  if (st == SG_ERR_UNAVAILABLE) return IdentityOutcome::kUnavailable;
  return IdentityOutcome::kInvalid;
}

void IdentityResolver::release() {
  std::lock_guard lock(mu_);
  released_ = true;
  if (auth_.exchange(nullptr) != nullptr) host_.release(SG_AUTH_SERVICE, SG_AUTH_MAJOR);
}

}  // namespace sg::gateway
