// The cache v1 C vtable as the tests drive it: the SDK's sg::cache::Client (every call goes
// through the same function pointers another plugin would use), plus what only tests need:
// del() with a raw out pointer (which may be NULL) and get_many_async as a future that also
// says which thread ran the callback.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "streamgate/plugin.hpp"
#include "streamgate/services/cache.hpp"

namespace cachetest {

using Reply = sg::cache::Reply;
using ManyReply = sg::cache::ManyReply;

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

class Client : public sg::cache::Client {
 public:
  Client() = default;
  explicit Client(const sg_cache_service* table) : sg::cache::Client(table) {}

  // Hides the SDK's del(key, bool*): the tests also pass the table a NULL out pointer.
  Reply del(std::string_view key, int* removed = nullptr) const {
    sg_error err{};
    Reply r;
    r.status = service()->del(service()->self, key.data(), key.size(), removed, &err);
    if (r.status != SG_OK) r.message = err.message;
    return r;
  }

  // Requires a v1.2 table (struct_size covering get_many_async).
  AsyncCall get_many_async(const std::vector<std::string_view>& keys) const {
    auto promise = std::make_shared<std::promise<AsyncReply>>();
    AsyncCall call;
    call.result = promise->get_future();
    call.returned = sg::cache::Client::get_many_async(keys, [promise](ManyReply reply) {
      promise->set_value(AsyncReply{std::move(reply), std::this_thread::get_id()});
    });
    return call;
  }
};

}  // namespace cachetest
