// The `auth` v1 C vtable over Context: noexcept shims, errors as sg_status + message.
#pragma once

#include <atomic>

#include <streamgate/services/auth.h>
#include <streamgate/plugin.hpp>

#include "context.hpp"

namespace sg::auth {

class AuthService {
 public:
  // `host` is used only by gate_check_async (blocking pool); it may be empty in tests, in
  // which case the async form reports SG_ERR_UNAVAILABLE.
  explicit AuthService(sg::Host host = {}) : host_(host) {}
  // Until attach(), every call answers SG_ERR_UNAVAILABLE (the table is registered in
  // create(), the core is built in start()).
  void attach(Context* core) noexcept { core_.store(core, std::memory_order_release); }
  const sg_auth_service* table() const noexcept { return &table_; }
  Context* core() const noexcept { return core_.load(std::memory_order_acquire); }
  const sg::Host& host() const noexcept { return host_; }

 private:
  sg::Host host_;
  std::atomic<Context*> core_{nullptr};
  sg_auth_service table_ = make_table();
  sg_auth_service make_table();
};

}  // namespace sg::auth
