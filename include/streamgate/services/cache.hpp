// Header-only C++ layer over services/cache.h. Cache answers are values, not exceptions: a
// miss (SG_ERR_NOT_FOUND), a key already present (SG_ERR_EXISTS) and a backend that is down
// (SG_ERR_UNAVAILABLE) are ordinary outcomes a caller decides about.
//
//   sg::cache::Client cache(table);
//   auto r = cache.get("k");
//   if (r.status == SG_OK) use(r.value); else if (r.status == SG_ERR_NOT_FOUND) ...
//
// Every call but get_many_async may block (Redis): call them from the blocking pool or a
// plugin thread, never from a network thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../plugin.hpp"
#include "cache.h"

namespace sg::cache {

struct Reply {
  sg_status status = SG_OK;
  std::string value;    // get/take on SG_OK
  std::string message;  // the provider's error text on failure
};

// get_many: the call's status plus one Reply per key (SG_OK with value, or SG_ERR_NOT_FOUND;
// when the call failed, every item has the call's status).
struct ManyReply {
  sg_status status = SG_OK;
  std::string message;
  std::vector<Reply> items;
};

class Client {
 public:
  Client() = default;
  explicit Client(const sg_cache_service* table) : t_(table) {}
  const sg_cache_service* service() const noexcept { return t_; }
  explicit operator bool() const noexcept { return t_ != nullptr; }

  Reply get(std::string_view key) const { return read(key, t_->get); }
  // Reads and removes atomically (single use).
  Reply take(std::string_view key) const { return read(key, t_->take); }
  // ttl_ms 0 = no expiry.
  Reply set(std::string_view key, std::string_view value, uint64_t ttl_ms = 0) const {
    sg_error err{};
    return done(t_->set(t_->self, key.data(), key.size(), value.data(), value.size(), ttl_ms, &err),
                err);
  }
  // SG_ERR_EXISTS when the key is present.
  Reply set_if_absent(std::string_view key, std::string_view value, uint64_t ttl_ms = 0) const {
    sg_error err{};
    return done(t_->set_if_absent(t_->self, key.data(), key.size(), value.data(), value.size(),
                                  ttl_ms, &err),
                err);
  }
  Reply del(std::string_view key, bool* removed = nullptr) const {
    sg_error err{};
    int r = 0;
    Reply out = done(t_->del(t_->self, key.data(), key.size(), &r, &err), err);
    if (removed != nullptr) *removed = r != 0;
    return out;
  }
  // The counter's new value in *out (created at 0; ttl_ms applies when created).
  Reply incr(std::string_view key, int64_t delta, uint64_t ttl_ms, int64_t* out) const {
    sg_error err{};
    return done(t_->incr(t_->self, key.data(), key.size(), delta, ttl_ms, out, &err), err);
  }

  // True when the provider has get_many (cache 1.1) / get_many_async (cache 1.2). A member
  // past an older provider's struct_size is never read.
  bool has_get_many() const noexcept {
    return covers(offsetof(sg_cache_service, get_many)) && t_->get_many != nullptr;
  }
  bool has_get_many_async() const noexcept {
    return covers(offsetof(sg_cache_service, get_many_async)) && t_->get_many_async != nullptr;
  }

  // One round trip with a 1.1 provider; one get() per key with a 1.0 one.
  ManyReply get_many(const std::vector<std::string_view>& keys) const {
    ManyReply r;
    if (!has_get_many()) {
      for (auto k : keys) r.items.push_back(get(k));
      return r;
    }
    std::vector<const char*> ptrs;
    std::vector<size_t> sizes;
    for (auto k : keys) {
      ptrs.push_back(k.data());
      sizes.push_back(k.size());
    }
    std::vector<sg_owned_str> values(keys.size());
    std::vector<sg_status> statuses(keys.size(), SG_ERR_INTERNAL);
    sg_error err{};
    r.status = t_->get_many(t_->self, ptrs.data(), sizes.data(), keys.size(), values.data(),
                            statuses.data(), &err);
    if (r.status != SG_OK) r.message = err.message;
    for (size_t i = 0; i < keys.size(); ++i) {
      Reply item;
      item.status = statuses[i];
      item.value = take_owned(values[i]);  // empty unless statuses[i] == SG_OK
      r.items.push_back(std::move(item));
    }
    return r;
  }

  // Never blocks (needs has_get_many_async()): `done` runs exactly once, on this thread or a
  // cache thread, and must not block. Returns the provider's status; bad arguments return
  // SG_ERR_INVALID and still call `done` once with that status (cache.h), so one code path
  // in `done` serves every outcome.
  sg_status get_many_async(const std::vector<std::string_view>& keys,
                           std::function<void(ManyReply)> done) const {
    std::vector<const char*> ptrs;
    std::vector<size_t> sizes;
    for (auto k : keys) {
      ptrs.push_back(k.data());
      sizes.push_back(k.size());
    }
    // on_many owns the pending call from here: the provider calls it whatever it returns.
    auto* pending = new Pending{keys.size(), std::move(done)};
    return t_->get_many_async(t_->self, ptrs.data(), sizes.data(), keys.size(), &Client::on_many,
                              pending);
  }

 private:
  struct Pending {
    size_t count;
    std::function<void(ManyReply)> done;
  };
  static void on_many(void* user, sg_status status, const sg_cache_value* values,
                      const sg_status* statuses, const sg_error* err) noexcept {
    std::unique_ptr<Pending> pending(static_cast<Pending*>(user));
    try {
      ManyReply out;
      out.status = status;
      if (status != SG_OK) {
        out.message = err != nullptr ? err->message : "";
      } else {
        for (size_t i = 0; i < pending->count; ++i) {
          Reply item;
          item.status = statuses[i];
          if (statuses[i] == SG_OK) item.value.assign(values[i].data, values[i].size);
          out.items.push_back(std::move(item));
        }
      }
      pending->done(std::move(out));
    } catch (...) {
      // `done` must not throw; nothing may escape into the provider's thread.
    }
  }
  bool covers(size_t member_offset) const noexcept {
    return t_->struct_size >= member_offset + sizeof(void*);
  }
  static Reply done(sg_status st, const sg_error& err) {
    Reply r;
    r.status = st;
    if (st != SG_OK) r.message = err.message;
    return r;
  }
  using ReadFn = sg_status (*)(void*, const char*, size_t, sg_owned_str*, sg_error*);
  Reply read(std::string_view key, ReadFn fn) const {
    sg_owned_str out{};
    sg_error err{};
    Reply r;
    r.status = fn(t_->self, key.data(), key.size(), &out, &err);
    if (r.status == SG_OK)
      r.value = take_owned(out);
    else
      r.message = err.message;
    return r;
  }

  const sg_cache_service* t_ = nullptr;
};

}  // namespace sg::cache
