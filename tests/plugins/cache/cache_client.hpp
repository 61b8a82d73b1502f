// A small C++ view of the cache v1 C vtable for the tests (and the probe plugin): every call
// goes through the same function pointers another plugin would use.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "streamgate/plugin.hpp"
#include "streamgate/services/cache.h"

namespace cachetest {

struct Reply {
  sg_status status = SG_OK;
  std::string value;    // get/take on SG_OK
  std::string message;  // sg_error message on failure
};

// get_many: the call's status plus one Reply per key (status SG_OK with value, or
// SG_ERR_NOT_FOUND; on a failed call, the call's status).
struct ManyReply {
  sg_status status = SG_OK;
  std::string message;
  std::vector<Reply> items;
};

// get_many_async: what the callback received, and on which thread it ran.
struct AsyncReply {
  ManyReply reply;
  std::thread::id thread;
};

// The return value of get_many_async plus the future its callback fulfils.
struct AsyncCall {
  sg_status returned = SG_OK;
  std::future<AsyncReply> result;
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
  // Requires a v1.1 table (struct_size covering get_many).
  ManyReply get_many(const std::vector<std::string_view>& keys) const {
    std::vector<const char*> ptrs;
    std::vector<size_t> sizes;
    for (auto k : keys) {
      ptrs.push_back(k.data());
      sizes.push_back(k.size());
    }
    std::vector<sg_owned_str> values(keys.size());
    std::vector<sg_status> statuses(keys.size(), SG_ERR_INTERNAL);
    sg_error err{};
    ManyReply r;
    r.status = t_->get_many(t_->self, ptrs.data(), sizes.data(), keys.size(), values.data(),
                            statuses.data(), &err);
    if (r.status != SG_OK) r.message = err.message;
    for (size_t i = 0; i < keys.size(); ++i) {
      Reply item;
      item.status = statuses[i];
      item.value = sg::take_owned(values[i]);  // always empty unless statuses[i] == SG_OK
      r.items.push_back(std::move(item));
    }
    return r;
  }
  // Requires a v1.2 table (struct_size covering get_many_async).
  AsyncCall get_many_async(const std::vector<std::string_view>& keys) const {
    std::vector<const char*> ptrs;
    std::vector<size_t> sizes;
    for (auto k : keys) {
      ptrs.push_back(k.data());
      sizes.push_back(k.size());
    }
    auto pending = std::make_unique<PendingMany>();
    pending->count = keys.size();
    AsyncCall call;
    call.result = pending->promise.get_future();
    call.returned = t_->get_many_async(t_->self, ptrs.data(), sizes.data(), keys.size(),
                                       &Client::on_many, pending.release());
    return call;
  }
  Reply incr(std::string_view key, int64_t delta, uint64_t ttl_ms, int64_t* out) const {
    sg_error err{};
    Reply r;
    r.status = t_->incr(t_->self, key.data(), key.size(), delta, ttl_ms, out, &err);
    if (r.status != SG_OK) r.message = err.message;
    return r;
  }

 private:
  struct PendingMany {
    std::promise<AsyncReply> promise;
    size_t count = 0;
  };
  static void on_many(void* user, sg_status status, const sg_cache_value* values,
                      const sg_status* statuses, const sg_error* err) {
    std::unique_ptr<PendingMany> pending(static_cast<PendingMany*>(user));
    AsyncReply out;
    out.thread = std::this_thread::get_id();
    out.reply.status = status;
    if (status != SG_OK) {
      out.reply.message = err != nullptr ? err->message : "(no error text)";
    } else {
      for (size_t i = 0; i < pending->count; ++i) {
        Reply item;
        item.status = statuses[i];
        if (statuses[i] == SG_OK) item.value.assign(values[i].data, values[i].size);
        out.reply.items.push_back(std::move(item));
      }
    }
    pending->promise.set_value(std::move(out));
  }
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
