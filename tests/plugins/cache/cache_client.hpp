// A small C++ view of the cache v1 C vtable for the tests (and the probe plugin): every call
// goes through the same function pointers another plugin would use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "streamgate/plugin.hpp"
#include "streamgate/services/cache.h"

namespace cachetest {

struct Reply {
  sg_status status = SG_OK;
  std::string value;    // get/take on SG_OK
  std::string message;  // sg_error message on failure
};

class Client {
 public:
  Client() = default;
  explicit Client(const sg_cache_service* table) : t_(table) {}

  Reply get(std::string_view key) const { return read(key, t_->get); }
  Reply take(std::string_view key) const { return read(key, t_->take); }
  Reply set(std::string_view key, std::string_view value, uint64_t ttl_ms = 0) const {
    sg_error err{};
    Reply r;
    r.status = t_->set(t_->self, key.data(), key.size(), value.data(), value.size(), ttl_ms, &err);
    if (r.status != SG_OK) r.message = err.message;
    return r;
  }
  Reply set_if_absent(std::string_view key, std::string_view value, uint64_t ttl_ms = 0) const {
    sg_error err{};
    Reply r;
    r.status = t_->set_if_absent(t_->self, key.data(), key.size(), value.data(), value.size(),
                                 ttl_ms, &err);
    if (r.status != SG_OK) r.message = err.message;
    return r;
  }
  Reply del(std::string_view key, int* removed = nullptr) const {
    sg_error err{};
    Reply r;
    r.status = t_->del(t_->self, key.data(), key.size(), removed, &err);
    if (r.status != SG_OK) r.message = err.message;
    return r;
  }
  Reply incr(std::string_view key, int64_t delta, uint64_t ttl_ms, int64_t* out) const {
    sg_error err{};
    Reply r;
    r.status = t_->incr(t_->self, key.data(), key.size(), delta, ttl_ms, out, &err);
    if (r.status != SG_OK) r.message = err.message;
    return r;
  }

 private:
  using ReadFn = sg_status (*)(void*, const char*, size_t, sg_owned_str*, sg_error*);
  Reply read(std::string_view key, ReadFn fn) const {
    sg_owned_str out{};
    sg_error err{};
    Reply r;
    r.status = fn(t_->self, key.data(), key.size(), &out, &err);
    if (r.status == SG_OK) {
      r.value = sg::take_owned(out);
    } else {
      r.message = err.message;
    }
    return r;
  }

  const sg_cache_service* t_ = nullptr;
};

}  // namespace cachetest
