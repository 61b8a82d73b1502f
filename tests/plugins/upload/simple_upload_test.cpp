// POST /api/v1/uploads for scripts: raw bodies and multipart/form-data, streamed, with the
// same limits and completion path as tus.
#include <gtest/gtest.h>

#include <filesystem>

#include "media_files.hpp"
#include "upload_fixture.hpp"

namespace sgtest::upload {
namespace {

namespace fs = std::filesystem;

Headers auth(const std::string& who = kAlice, Headers extra = {}) {
  Headers h{{"Authorization", "Bearer test." + who}};
  h.insert(h.end(), extra.begin(), extra.end());
  return h;
}

std::string multipart(const std::string& boundary, const std::string& file_bytes) {
  return "--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nForm clip\r\n--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../../etc/passwd\"\r\n"
         "Content-Type: video/mp4\r\n\r\n" +
         file_bytes + "\r\n--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nafter the file\r\n--" +
         boundary + "--\r\n";
}

TEST(SimpleUpload, RawAndMultipartVideosComplete) {
  UploadServer s;
  ASSERT_TRUE(s.start());
  TempDir tmp("sg-upload-simple");
  ASSERT_TRUE(make_test_video(tmp.path() / "clip.mp4"));
  std::string bytes = read_file(tmp.path() / "clip.mp4");

  auto raw = http(s.port(), "POST", "/api/v1/uploads?title=Raw%20clip&filename=clip.mp4", bytes,
                  auth(kAlice, {{"Content-Type", "video/mp4"}}), std::chrono::seconds(30));
  ASSERT_EQ(raw.status, 201) << raw.body;
  auto j = raw.json();
  EXPECT_EQ(j["state"], "completed");
  EXPECT_EQ(j["sha256"], sha256_hex_of(bytes));
  EXPECT_EQ(j["length"], bytes.size());
  EXPECT_EQ(j["metadata"]["title"], "Raw clip");
  EXPECT_EQ(j["probe"]["width"], 320);

  auto form = http(s.port(), "POST", "/api/v1/uploads", multipart("sgBoundary42", bytes),
                   auth(kAlice, {{"Content-Type", "multipart/form-data; boundary=sgBoundary42"}}),
                   std::chrono::seconds(30));
  ASSERT_EQ(form.status, 201) << form.body;
  auto f = form.json();
  EXPECT_EQ(f["state"], "completed");
  EXPECT_EQ(f["sha256"], sha256_hex_of(bytes));
  EXPECT_EQ(f["metadata"]["title"], "Form clip");
  // The client's filename is metadata only: the file lives under the server's own name.
  EXPECT_TRUE(fs::exists(s.server.data_dir() / "uploads" / f["id"].get<std::string>() / "data"));
  EXPECT_FALSE(fs::exists(s.server.data_dir() / "etc"));
}

TEST(SimpleUpload, RejectsNonMediaOversizeAndAnonymous) {
  UploadServer s(nlohmann::json{{"max_size", 4096}});
  ASSERT_TRUE(s.start());
  auto text = http(s.port(), "POST", "/api/v1/uploads?filename=movie.mp4", "definitely not a movie",
                   auth(kAlice, {{"Content-Type", "video/mp4"}}));
  EXPECT_EQ(text.status, 422) << text.body;
  EXPECT_EQ(text.json()["error"]["code"], "not_media");
  EXPECT_EQ(text.json()["error"]["upload"]["state"], "failed");

  auto big = http(s.port(), "POST", "/api/v1/uploads", std::string(5000, 'x'), auth());
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.json()["error"]["limit"], 4096);

  auto big_form = http(s.port(), "POST", "/api/v1/uploads", multipart("b", std::string(4097, 'x')),
                       auth(kAlice, {{"Content-Type", "multipart/form-data; boundary=b"}}));
  EXPECT_EQ(big_form.status, 413);

  // Chunked: no length up front, so the streamed writes find the limit, and say it.
  std::string chunked_big =
      "POST /api/v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer test." + kAlice +
      "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  for (int i = 0; i < 40; ++i) chunked_big += "1000\r\n" + std::string(4096, 'x') + "\r\n";
  chunked_big += "0\r\n\r\n";
  std::string answer = raw_exchange(s.port(), chunked_big);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 300);
  EXPECT_NE(answer.find("\"code\":\"upload_too_large\""), std::string::npos) << answer;
  EXPECT_NE(answer.find("\"limit\":4096"), std::string::npos) << answer;

  auto anon = http(s.port(), "POST", "/api/v1/uploads", "x");
  EXPECT_EQ(anon.status, 401);

  auto no_file = http(s.port(), "POST", "/api/v1/uploads",
                      "--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nx\r\n--b--\r\n",
                      auth(kAlice, {{"Content-Type", "multipart/form-data; boundary=b"}}));
  EXPECT_EQ(no_file.status, 400);
  EXPECT_EQ(no_file.json()["error"]["code"], "missing_file");

  auto truncated =
      http(s.port(), "POST", "/api/v1/uploads",
           "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc",
           auth(kAlice, {{"Content-Type", "multipart/form-data; boundary=b"}}));
  EXPECT_EQ(truncated.status, 400);

  auto empty = http(s.port(), "POST", "/api/v1/uploads", "", auth());
  EXPECT_EQ(empty.status, 422);
  // Failed simple uploads leave nothing half-made behind but the failed (complete) records.
  EXPECT_EQ(http(s.port(), "OPTIONS", "/files/").status, 204);
}

}  // namespace
}  // namespace sgtest::upload
