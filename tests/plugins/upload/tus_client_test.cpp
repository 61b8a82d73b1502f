// The real client: tus-js-client under Node uploads to a running streamgate in chunks, is
// aborted mid-way and resumes; and uploads with parallelUploads (partial + final
// concatenation). The final SHA-256 the server computed must match the file.
#include <gtest/gtest.h>

#include <filesystem>

#include "media_files.hpp"
#include "upload_fixture.hpp"

namespace sgtest::upload {
namespace {

namespace fs = std::filesystem;

bool node_client_available() {
  return fs::exists(fs::path(SG_UPLOAD_NODE_DIR) / "node_modules" / "tus-js-client") &&
         std::system("node --version > /dev/null 2>&1") == 0;
}

nlohmann::json run_client(const UploadServer& s, const fs::path& file, const std::string& mode,
                          const fs::path& log, size_t chunk = 256 * 1024) {
  std::string endpoint = "http://127.0.0.1:" + std::to_string(s.port()) + "/files/";
  auto p = Process::spawn({"node", std::string(SG_UPLOAD_NODE_DIR) + "/upload/tus_client.js",
                           endpoint, file.string(), "test:" + kAlice, mode, std::to_string(chunk)},
                          {}, log);
  auto rc = p.wait(std::chrono::seconds(120));
  std::string out = read_file(log);
  EXPECT_TRUE(rc.has_value()) << "tus client timed out: " << out;
  EXPECT_EQ(rc.value_or(-1), 0) << out;
  auto nl = out.rfind('{');
  if (nl == std::string::npos) return nlohmann::json::object();
  return nlohmann::json::parse(out.substr(nl), nullptr, false);
}

std::string path_of(const std::string& url) {
  auto pos = url.find("/files/");
  return pos == std::string::npos ? url : url.substr(pos);
}

nlohmann::json upload_state(UploadServer& s, const std::string& url) {
  auto r = http(s.port(), "GET", "/api/v1/uploads/" + id_of(path_of(url)), "",
                {{"Authorization", "Bearer test:" + kAlice}});
  EXPECT_EQ(r.status, 200) << r.body;
  return r.status == 200 ? r.json() : nlohmann::json::object();
}

TEST(TusJsClient, AbortsMidwayResumesAndTheHashMatches) {
  if (!node_client_available())
    GTEST_SKIP() << "node or tests/node/node_modules missing (npm ci in tests/node)";
  UploadServer s;
  ASSERT_TRUE(s.start());
  TempDir tmp("sg-upload-tusjs");
  auto video = tmp.path() / "clip.mp4";
  ASSERT_TRUE(make_test_video(video, 4));
  auto result = run_client(s, video, "abort-resume", tmp.path() / "client.log", 64 * 1024);
  ASSERT_TRUE(result.contains("url")) << result.dump() << s.server.log();
  EXPECT_GT(result["abortedAt"].get<uint64_t>(), 0u);
  EXPECT_LT(result["abortedAt"].get<uint64_t>(), fs::file_size(video));
  EXPECT_EQ(path_of(result["resumedUrl"]), path_of(result["url"]));  // resumed, not restarted
  auto state = upload_state(s, result["url"]);
  EXPECT_EQ(state["state"], "completed") << state.dump();
  EXPECT_EQ(state["sha256"], sha256_hex_of(read_file(video)));
  EXPECT_EQ(state["length"], fs::file_size(video));
}

TEST(TusJsClient, PatchesSentAsPostWithMethodOverride) {
  if (!node_client_available())
    GTEST_SKIP() << "node or tests/node/node_modules missing (npm ci in tests/node)";
  UploadServer s;
  ASSERT_TRUE(s.start());
  TempDir tmp("sg-upload-tusjs");
  auto video = tmp.path() / "clip.mp4";
  ASSERT_TRUE(make_test_video(video, 2));
  auto result = run_client(s, video, "override", tmp.path() / "client.log", 32 * 1024);
  ASSERT_TRUE(result.contains("url")) << result.dump() << s.server.log();
  auto state = upload_state(s, result["url"]);
  EXPECT_EQ(state["state"], "completed") << state.dump();
  EXPECT_EQ(state["sha256"], sha256_hex_of(read_file(video)));
}

TEST(TusJsClient, ParallelPartialUploadsAreConcatenated) {
  if (!node_client_available())
    GTEST_SKIP() << "node or tests/node/node_modules missing (npm ci in tests/node)";
  UploadServer s;
  ASSERT_TRUE(s.start());
  TempDir tmp("sg-upload-tusjs");
  auto video = tmp.path() / "clip.mp4";
  ASSERT_TRUE(make_test_video(video, 4));
  auto result = run_client(s, video, "parallel", tmp.path() / "client.log", 32 * 1024);
  ASSERT_TRUE(result.contains("url")) << result.dump() << s.server.log();
  auto state = upload_state(s, result["url"]);
  EXPECT_EQ(state["state"], "completed") << state.dump();
  EXPECT_EQ(state["sha256"], sha256_hex_of(read_file(video)));
  // The partial uploads were consumed by the concatenation: only the final one remains.
  size_t dirs = 0;
  for (const auto& e : fs::directory_iterator(s.server.data_dir() / "uploads"))
    if (e.is_directory()) ++dirs;
  EXPECT_EQ(dirs, 1u);
}

}  // namespace
}  // namespace sgtest::upload
