// gate_check_async: the answer arrives exactly once, on a pool thread, after the call
// returned. The host here is a minimal table whose run_blocking runs tasks on a std::thread
// (the kernel's pool is exercised by the REST tests).
#include <gtest/gtest.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "service.hpp"
#include "test_util.hpp"

namespace {

struct ThreadHost {
  std::mutex mu;
  std::vector<std::thread> threads;
  sg_host_api api{};

  ThreadHost() {
    api.struct_size = sizeof(api);
    api.abi_major = SG_ABI_MAJOR;
    api.abi_minor = SG_ABI_MINOR;
    api.host = reinterpret_cast<sg_host*>(this);
    api.log = [](sg_host*, sg_log_level, const char*, size_t) {};
    api.run_blocking = [](sg_host* h, sg_task_fn fn, void* user, sg_error*) -> sg_status {
      auto* self = reinterpret_cast<ThreadHost*>(h);
      std::lock_guard lock(self->mu);
      self->threads.emplace_back([fn, user] { fn(user); });
      return SG_OK;
    };
  }
  ~ThreadHost() {
    for (auto& t : threads) t.join();
  }
};

struct Answer {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  sg_status status = SG_ERR_INTERNAL;
  int allowed = -1;
  std::string reason;
  std::thread::id thread;
};

void on_done(void* user, sg_status st, const sg_auth_gate_result* r, const sg_error* err) {
  auto* a = static_cast<Answer*>(user);
  std::lock_guard lock(a->mu);
  ++a->calls;
  a->status = st;
  a->allowed = r != nullptr ? r->allowed : -1;
  a->reason = r != nullptr ? r->reason : err->message;
  a->thread = std::this_thread::get_id();
  a->cv.notify_all();
}

bool wait(Answer& a) {
  std::unique_lock lock(a.mu);
  return a.cv.wait_for(lock, std::chrono::seconds(5), [&] { return a.calls > 0; });
}

}  // namespace

TEST(GateAsync, AnswersOnAPoolThread) {
  ThreadHost host;
  sg::auth::Context core{authtest::test_config(), nullptr};
  sg::auth::AuthService service{sg::Host(&host.api)};
  service.attach(&core);
  const sg_auth_service* t = service.table();

  sg_http_identity anon{};
  Answer a;
  std::string rule = R"({"type":"signed_in"})";
  sg_error err{};
  ASSERT_EQ(t->gate_check_async(t->self, &anon, rule.data(), rule.size(), 0, &on_done, &a, &err),
            SG_OK);
  ASSERT_TRUE(wait(a));
  EXPECT_EQ(a.status, SG_OK);
  EXPECT_EQ(a.allowed, 0);
  EXPECT_EQ(a.reason, "not_signed_in");
  EXPECT_NE(a.thread, std::this_thread::get_id());

  Answer bad;
  std::string broken =
      R"({"type":"nft","chain_id":5,"contract":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"})";
  ASSERT_EQ(
      t->gate_check_async(t->self, &anon, broken.data(), broken.size(), 0, &on_done, &bad, &err),
      SG_OK);
  ASSERT_TRUE(wait(bad));
  EXPECT_EQ(bad.status, SG_ERR_INVALID);
  EXPECT_NE(bad.reason.find("not configured"), std::string::npos) << bad.reason;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(bad.calls, 1);
}
