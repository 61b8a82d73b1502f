// 409 answers while a content is not ready: the transcode's progress while it runs (from
// transcode.progress), the failure reason once it failed.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "process.hpp"
#include "stream_fixture.hpp"

namespace {

using json = nlohmann::json;

TEST(StreamingNotReady, ProcessingShowsProgressThenPlays) {
  if (auto why = streamtest::skip_reason(); !why.empty()) GTEST_SKIP() << why;
  auto* s = streamtest::shared_stack();
  ASSERT_NE(s, nullptr);
  auto id = streamtest::upload(*s, 30, "long");
  ASSERT_FALSE(id.empty());
  bool saw_progress = false;
  std::string last;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = s->get("/stream/" + id + "/master.m3u8");
    if (r.status == 200) break;
    ASSERT_EQ(r.status, 409) << r.body;
    auto e = r.json()["error"];
    EXPECT_EQ(e["code"], "not_ready");
    last = r.body;
    if (e["status"] == "processing" && e.contains("progress")) {
      EXPECT_GE(e["progress"].get<int>(), 0);
      EXPECT_LE(e["progress"].get<int>(), 100);
      EXPECT_NE(e["progress_message"].get<std::string>().find("fps"), std::string::npos);
      saw_progress = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(s->get("/stream/" + id + "/master.m3u8").status, 200) << last;
  EXPECT_TRUE(saw_progress) << "no 409 carried the transcode's progress; last: " << last;
}

TEST(StreamingNotReady, FailedShowsTheReason) {
  if (auto why = streamtest::skip_reason(); !why.empty()) GTEST_SKIP() << why;
  auto* s = streamtest::shared_stack();
  ASSERT_NE(s, nullptr);
  // Longer than the stack's transcoder.max_duration_seconds (60): the job fails on its limit.
  auto id = streamtest::upload(*s, 61, "too-long", "160x90");
  ASSERT_FALSE(id.empty());
  json error;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = s->get("/stream/" + id + "/master.m3u8");
    ASSERT_EQ(r.status, 409) << r.body;
    error = r.json()["error"];
    if (error["status"] == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(error["status"], "failed") << error.dump();
  ASSERT_TRUE(error["reason"].is_string()) << error.dump();
  EXPECT_NE(error["reason"].get<std::string>().find("long"), std::string::npos) << error.dump();
  auto p = s->get("/api/v1/content/" + id + "/playback");
  EXPECT_EQ(p.status, 409);
  EXPECT_FALSE(p.has_header("Retry-After"));
}

}  // namespace
