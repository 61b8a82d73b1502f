// File responses (Range, 206/416, ETag/If-None-Match, Last-Modified/If-Modified-Since,
// HEAD, MIME), hanging up mid-file, and the static folder with traversal attempts.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "gateway_fixture.hpp"
#include "raw_client.hpp"

using namespace std::chrono_literals;

namespace {

class GatewayFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gw_ = new gwtest::Gateway();
    data_ = new std::string(gwtest::payload(1 << 20, 7));
    gw_->write_file("a.bin", *data_);
    gw_->write_file("big.bin", gwtest::payload(64 << 20, 3));
    gw_->write_file("master.m3u8", "#EXTM3U\n");
    gw_->write_file("manifest.mpd", "<MPD/>");
    gw_->write_file("seg-1.m4s", "segment");
    gw_->write_file("www/index.html", "<h1>home</h1>");
    gw_->write_file("www/app.js", "console.log(1)");
    gw_->write_file("www/sub/index.html", "<h1>sub</h1>");
    gw_->write_file("secret.txt", "top secret");
    const auto& root = gw_->files.path();
    std::filesystem::create_symlink(root / "secret.txt", root / "www" / "escape.txt");
    std::filesystem::create_symlink(root / "www" / "app.js", root / "www" / "inside.js");
    gw_->gateway_config["static"] = {{"dir", (root / "www").string()}, {"mount", "/static"}};
    ASSERT_TRUE(gw_->start());
  }
  static void TearDownTestSuite() {
    delete gw_;
    delete data_;
    gw_ = nullptr;
  }
  void SetUp() override {
    if (gw_ == nullptr || !gw_->server || !gw_->server->running()) GTEST_SKIP() << "no server";
  }
  static sgtest::HttpResponse get(const std::string& target, sgtest::Headers h = {}) {
    return sgtest::http(gw_->port(), "GET", target, "", std::move(h));
  }
  static gwtest::Gateway* gw_;
  static std::string* data_;
};
gwtest::Gateway* GatewayFiles::gw_ = nullptr;
std::string* GatewayFiles::data_ = nullptr;

}  // namespace

TEST_F(GatewayFiles, WholeFileWithValidators) {
  auto r = get("/t/file/a.bin");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), data_->size());
  EXPECT_TRUE(r.body == *data_);
  EXPECT_EQ(r.header("content-type"), "application/octet-stream");
  EXPECT_EQ(r.header("accept-ranges"), "bytes");
  EXPECT_EQ(r.header("cache-control"), "max-age=60");
  EXPECT_FALSE(r.header("etag").empty());
  EXPECT_FALSE(r.header("last-modified").empty());
  EXPECT_EQ(get("/t/file/nope.bin").status, 404);
}

TEST_F(GatewayFiles, MimeTypesByExtension) {
  EXPECT_EQ(get("/t/file/master.m3u8").header("content-type"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(get("/t/file/manifest.mpd").header("content-type"), "application/dash+xml");
  EXPECT_EQ(get("/t/file/seg-1.m4s").header("content-type"), "video/iso.segment");
}

TEST_F(GatewayFiles, RangeGives206) {
  auto r = get("/t/file/a.bin", {{"Range", "bytes=100-199"}});
  ASSERT_EQ(r.status, 206);
  EXPECT_EQ(r.header("content-range"), "bytes 100-199/1048576");
  EXPECT_EQ(r.body, data_->substr(100, 100));
  auto suffix = get("/t/file/a.bin", {{"Range", "bytes=-10"}});
  ASSERT_EQ(suffix.status, 206);
  EXPECT_EQ(suffix.body, data_->substr(data_->size() - 10));
  auto open = get("/t/file/a.bin", {{"Range", "bytes=1048570-"}});
  ASSERT_EQ(open.status, 206);
  EXPECT_EQ(open.body, data_->substr(1048570));
  // Several ranges: the whole file (allowed by RFC 9110).
  auto multi = get("/t/file/a.bin", {{"Range", "bytes=0-1,5-6"}});
  EXPECT_EQ(multi.status, 200);
  EXPECT_EQ(multi.body.size(), data_->size());
}

TEST_F(GatewayFiles, UnsatisfiableRangeGives416) {
  auto r = get("/t/file/a.bin", {{"Range", "bytes=2000000-"}});
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.header("content-range"), "bytes */1048576");
  EXPECT_EQ(r.json()["error"]["code"], "range_not_satisfiable");
}

TEST_F(GatewayFiles, ConditionalRequestsGive304) {
  auto first = get("/t/file/a.bin");
  std::string etag = first.header("etag");
  std::string modified = first.header("last-modified");
  auto by_etag = get("/t/file/a.bin", {{"If-None-Match", etag}});
  EXPECT_EQ(by_etag.status, 304);
  EXPECT_TRUE(by_etag.body.empty());
  EXPECT_EQ(by_etag.header("etag"), etag);
  EXPECT_EQ(get("/t/file/a.bin", {{"If-None-Match", "\"x\", " + etag}}).status, 304);
  EXPECT_EQ(get("/t/file/a.bin", {{"If-None-Match", "\"other\""}}).status, 200);
  EXPECT_EQ(get("/t/file/a.bin", {{"If-Modified-Since", modified}}).status, 304);
  EXPECT_EQ(get("/t/file/a.bin", {{"If-Modified-Since", "Thu, 01 Jan 1998 00:00:00 GMT"}}).status,
            200);
  // A Range with a stale If-Range gets the whole file.
  EXPECT_EQ(get("/t/file/a.bin", {{"Range", "bytes=0-9"}, {"If-Range", "\"stale\""}}).status, 200);
  EXPECT_EQ(get("/t/file/a.bin", {{"Range", "bytes=0-9"}, {"If-Range", etag}}).status, 206);
}

TEST_F(GatewayFiles, HeadOnFileSendsLengthOnly) {
  sgtest::HttpConnection conn(gw_->port());
  auto r = conn.request("HEAD", "/t/file/a.bin");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-length"), "1048576");
  EXPECT_TRUE(r.body.empty());
  auto ranged = conn.request("HEAD", "/t/file/a.bin", "", {{"Range", "bytes=0-99"}});
  EXPECT_EQ(ranged.status, 206);
  EXPECT_EQ(ranged.header("content-length"), "100");
  auto after = conn.request("GET", "/t/file/seg-1.m4s");  // still in sync
  EXPECT_EQ(after.body, "segment");
}

TEST_F(GatewayFiles, KeepAliveFileRequests) {
  sgtest::HttpConnection conn(gw_->port());
  for (int i = 0; i < 20; ++i) {
    auto r = conn.request("GET", "/t/file/a.bin");
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.body.size(), data_->size());
  }
  EXPECT_TRUE(conn.open());
}

TEST_F(GatewayFiles, ClientHangingUpMidFileDoesNotHurtTheServer) {
  for (int i = 0; i < 20; ++i) {
    sgtest::RawClient c(gw_->port());
    ASSERT_TRUE(c.send("GET /t/file/big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string some = c.read_some(1000, 5s);
    ASSERT_FALSE(some.empty());
    // Closing with unread data makes the kernel send a reset to the server mid-sendfile.
  }
  auto r = get("/t/file/a.bin");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), data_->size());
  EXPECT_TRUE(gw_->server->running());
}

TEST_F(GatewayFiles, StaticFolderServesIndexAndFiles) {
  auto index = get("/static/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<h1>home</h1>");
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  auto js = get("/static/app.js");
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(get("/static/inside.js").status, 200);  // a symlink inside the root is fine
  auto sub = get("/static/sub");
  EXPECT_EQ(sub.status, 301);
  EXPECT_EQ(sub.header("location"), "/static/sub/");
  EXPECT_EQ(get("/static/sub/").body, "<h1>sub</h1>");
  EXPECT_EQ(get("/static/app.js", {{"Range", "bytes=0-6"}}).body, "console");
  EXPECT_EQ(get("/static/missing.css").status, 404);
}

TEST_F(GatewayFiles, StaticFolderRefusesTraversal) {
  for (const char* target :
       {"/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/sub/../../secret.txt",
        "/static/..%2fsecret.txt", "/static/escape.txt", "/static/%2e%2e%2f%2e%2e%2fetc/passwd",
        "/static/..\\secret.txt"}) {
    sgtest::RawClient c(gw_->port());
    ASSERT_TRUE(c.send(std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 404) << target;
    EXPECT_EQ(r->body.find("top secret"), std::string::npos) << target;
  }
}
