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
                           endpoint, file.string(), "test." + kAlice, mode, std::to_string(chunk)},
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
                {{"Authorization", "Bearer test." + kAlice}});
  EXPECT_EQ(r.status, 200) << r.body;
  return r.status == 200 ? r.json() : nlohmann::json::object();
}

// Uploads a fresh test video of `seconds` with tus_client.js in `mode` and checks that the
// upload completed with the file's length and SHA-256. Returns the client's JSON line plus
// "video_size".
nlohmann::json upload_and_check(UploadServer& s, const std::string& mode, int seconds,
                                size_t chunk) {
  TempDir tmp("sg-upload-tusjs");
  auto video = tmp.path() / "clip.mp4";
  if (!make_test_video(video, seconds)) {
    ADD_FAILURE() << "cannot make the test video";
    return nlohmann::json::object();
  }
  auto result = run_client(s, video, mode, tmp.path() / "client.log", chunk);
  if (!result.contains("url")) {
    ADD_FAILURE() << result.dump() << s.server.log();
    return result;
  }
  auto state = upload_state(s, result["url"]);
  EXPECT_EQ(state["state"], "completed") << state.dump();
  EXPECT_EQ(state["sha256"], sha256_hex_of(read_file(video)));
  EXPECT_EQ(state["length"], fs::file_size(video));
  result["video_size"] = fs::file_size(video);
  return result;
}

TEST(TusJsClient, AbortsMidwayResumesAndTheHashMatches) {
  if (!node_client_available())
    GTEST_SKIP() << "node or tests/node/node_modules missing (npm ci in tests/node)";
  UploadServer s;
  ASSERT_TRUE(s.start());
  auto result = upload_and_check(s, "abort-resume", 4, 64 * 1024);
  ASSERT_TRUE(result.contains("abortedAt")) << result.dump();
  EXPECT_GT(result["abortedAt"].get<uint64_t>(), 0u);
  EXPECT_LT(result["abortedAt"].get<uint64_t>(), result["video_size"].get<uint64_t>());
  EXPECT_EQ(path_of(result["resumedUrl"]), path_of(result["url"]));  // resumed, not restarted
}

TEST(TusJsClient, PatchesSentAsPostWithMethodOverride) {
  if (!node_client_available())
    GTEST_SKIP() << "node or tests/node/node_modules missing (npm ci in tests/node)";
  UploadServer s;
  ASSERT_TRUE(s.start());
  upload_and_check(s, "override", 2, 32 * 1024);
}

TEST(TusJsClient, ParallelPartialUploadsAreConcatenated) {
  if (!node_client_available())
    GTEST_SKIP() << "node or tests/node/node_modules missing (npm ci in tests/node)";
  UploadServer s;
  ASSERT_TRUE(s.start());
  upload_and_check(s, "parallel", 4, 32 * 1024);
  // The partial uploads were consumed by the concatenation: only the final one remains.
  size_t dirs = 0;
  for (const auto& e : fs::directory_iterator(s.server.data_dir() / "uploads"))
    if (e.is_directory()) ++dirs;
  EXPECT_EQ(dirs, 1u);
}

}  // namespace
}  // namespace sgtest::upload
