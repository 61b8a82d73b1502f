// Unit tests of the gateway's pure parts: routing, ranges, validators, MIME, dates, config.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

#include "config.hpp"
#include "context.hpp"
#include "cors.hpp"
#include "file_response.hpp"
#include "http_date.hpp"

#include "mime.hpp"
#include "request_id.hpp"
#include "router.hpp"
#include "support.hpp"

namespace sgw = sg::gateway;

namespace {

sg_http_handler_result noop(void*, sg_http_exchange*) {
  return SG_HTTP_ANSWERED;
}

sg_status add(sgw::RouteTable& t, uint32_t methods, const std::string& pattern,
              uint64_t* id = nullptr) {
  sg_http_route r{};
  r.struct_size = sizeof r;
  r.methods = methods;
  r.pattern = pattern.c_str();
  r.pattern_size = pattern.size();
  r.handler = &noop;
  std::string why;
  uint64_t ignored = 0;
  return t.add(r, id != nullptr ? id : &ignored, why);
}

sgw::Match match(const sgw::RouteTable& t, uint32_t method, const std::string& path,
                 std::vector<sgw::Param>& params) {
  sgw::PathSegments segs = sgw::split_path(path);
  return sgw::RouteTable::match(t.snapshot(), method, segs, params);
}

}  // namespace

TEST(GatewayUnit, RoutesPreferLiteralsAndCaptureParams) {
  sgw::RouteTable t;
  ASSERT_EQ(add(t, SG_HTTP_GET, "/api/v1/content/{id}"), SG_OK);
  ASSERT_EQ(add(t, SG_HTTP_GET, "/api/v1/content/latest"), SG_OK);
  ASSERT_EQ(add(t, SG_HTTP_GET, "/stream/{id}/{file*}"), SG_OK);
  std::vector<sgw::Param> params;
  auto m = match(t, SG_HTTP_GET, "/api/v1/content/latest", params);
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.route->pattern, "/api/v1/content/latest");
  m = match(t, SG_HTTP_GET, "/api/v1/content/a%20b", params);
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.route->pattern, "/api/v1/content/{id}");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(*params[0].name, "id");
  EXPECT_EQ(params[0].value, "a b");
  m = match(t, SG_HTTP_GET, "/stream/abc/hls/seg%2D1.m4s", params);
  ASSERT_TRUE(m.route);
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[1].value, "hls/seg-1.m4s");
  m = match(t, SG_HTTP_GET, "/api/v1/content/", params);  // empty {id} never matches
  EXPECT_FALSE(m.route);
  EXPECT_EQ(m.allowed, 0u);
}

TEST(GatewayUnit, MethodMasksAndOverlaps) {
  sgw::RouteTable t;
  uint64_t id = 0;
  ASSERT_EQ(add(t, SG_HTTP_GET, "/x/{a}", &id), SG_OK);
  EXPECT_EQ(add(t, SG_HTTP_GET, "/x/{b}"), SG_ERR_EXISTS);  // same shape, same method
  EXPECT_EQ(add(t, SG_HTTP_POST, "/x/{b}"), SG_OK);         // same shape, other method
  EXPECT_EQ(add(t, SG_HTTP_GET, "bad"), SG_ERR_INVALID);
  EXPECT_EQ(add(t, SG_HTTP_GET, "/a/{rest*}/b"), SG_ERR_INVALID);
  EXPECT_EQ(add(t, SG_HTTP_GET, "/a/{x}/{x}"), SG_ERR_INVALID);
  EXPECT_EQ(add(t, 0, "/a"), SG_ERR_INVALID);
  std::vector<sgw::Param> params;
  auto m = match(t, SG_HTTP_HEAD, "/x/1", params);
  ASSERT_TRUE(m.route);  // HEAD is served by GET routes
  m = match(t, SG_HTTP_DELETE, "/x/1", params);
  EXPECT_FALSE(m.route);
  EXPECT_EQ(m.allowed, static_cast<uint32_t>(SG_HTTP_GET | SG_HTTP_HEAD | SG_HTTP_POST));
  EXPECT_EQ(t.remove(id), SG_OK);
  EXPECT_EQ(t.remove(id), SG_ERR_NOT_FOUND);
  m = match(t, SG_HTTP_GET, "/x/1", params);
  EXPECT_FALSE(m.route);
}

TEST(GatewayUnit, PercentDecoding) {
  std::string out;
  EXPECT_TRUE(sgw::percent_decode("a%2Fb+c", out));
  EXPECT_EQ(out, "a/b+c");
  EXPECT_TRUE(sgw::percent_decode("a+b", out, true));
  EXPECT_EQ(out, "a b");
  EXPECT_FALSE(sgw::percent_decode("%zz", out));
  EXPECT_FALSE(sgw::percent_decode("%4", out));
  EXPECT_FALSE(sgw::percent_decode("%00", out));
}

TEST(GatewayUnit, SingleRanges) {
  uint64_t s = 0, c = 0;
  EXPECT_EQ(sgw::parse_single_range("bytes=0-9", 100, s, c), 1);
  EXPECT_EQ(s, 0u);
  EXPECT_EQ(c, 10u);
  EXPECT_EQ(sgw::parse_single_range("bytes=90-", 100, s, c), 1);
  EXPECT_EQ(c, 10u);
  EXPECT_EQ(sgw::parse_single_range("bytes=-5", 100, s, c), 1);
  EXPECT_EQ(s, 95u);
  EXPECT_EQ(sgw::parse_single_range("bytes=-500", 100, s, c), 1);
  EXPECT_EQ(s, 0u);
  EXPECT_EQ(c, 100u);
  EXPECT_EQ(sgw::parse_single_range("bytes=50-1000", 100, s, c), 1);
  EXPECT_EQ(c, 50u);
  EXPECT_EQ(sgw::parse_single_range("bytes=100-", 100, s, c), -1);
  EXPECT_EQ(sgw::parse_single_range("bytes=-0", 100, s, c), -1);
  EXPECT_EQ(sgw::parse_single_range("bytes=0-1,5-6", 100, s, c), 0);
  EXPECT_EQ(sgw::parse_single_range("bytes=9-1", 100, s, c), 0);
  EXPECT_EQ(sgw::parse_single_range("items=0-1", 100, s, c), 0);
  EXPECT_EQ(sgw::parse_single_range("bytes=abc", 100, s, c), 0);
}

TEST(GatewayUnit, ConditionalsAndRangeDecision) {
  sgtest::TempDir dir;
  auto path = (dir.path() / "f.bin").string();
  std::ofstream(path) << std::string(1000, 'x');
  sgw::OpenFile f;
  std::string why;
  sg_http_file spec{};
  spec.struct_size = sizeof spec;
  spec.path = path.c_str();
  spec.path_size = path.size();
  spec.fd = -1;
  spec.length = UINT64_MAX;
  ASSERT_EQ(sgw::open_file(spec, f, why), SG_OK) << why;
  EXPECT_EQ(f.length, 1000u);
  sgw::Conditionals c;
  c.if_none_match = f.etag;
  EXPECT_EQ(sgw::decide(200, f, c).status, 304);
  std::string weak = "W/" + f.etag;
  c.if_none_match = weak;
  EXPECT_EQ(sgw::decide(200, f, c).status, 304);
  c.if_none_match = "\"other\"";
  EXPECT_EQ(sgw::decide(200, f, c).status, 200);
  c = {};
  std::string later = sgw::format_http_date(f.mtime + 10);
  c.if_modified_since = later;
  EXPECT_EQ(sgw::decide(200, f, c).status, 304);
  std::string earlier = sgw::format_http_date(f.mtime - 10);
  c.if_modified_since = earlier;
  EXPECT_EQ(sgw::decide(200, f, c).status, 200);
  c = {};
  c.range = "bytes=10-19";
  auto plan = sgw::decide(200, f, c);
  EXPECT_EQ(plan.status, 206);
  EXPECT_EQ(plan.content_range, "bytes 10-19/1000");
  c.if_range = "\"stale\"";
  EXPECT_EQ(sgw::decide(200, f, c).status, 200);  // If-Range mismatch: whole file
  c.if_range = f.etag;
  EXPECT_EQ(sgw::decide(200, f, c).status, 206);
  c = {};
  c.range = "bytes=5000-";
  plan = sgw::decide(200, f, c);
  EXPECT_EQ(plan.status, 416);
  EXPECT_EQ(plan.content_range, "bytes */1000");
  EXPECT_EQ(sgw::decide(404, f, c).status, 404);  // only 200 answers are conditional

  spec.offset = 100;
  spec.length = 50;
  sgw::OpenFile w;
  ASSERT_EQ(sgw::open_file(spec, w, why), SG_OK);
  EXPECT_EQ(w.length, 50u);
  EXPECT_NE(w.etag, f.etag);
  spec.length = 5000;
  EXPECT_EQ(sgw::open_file(spec, w, why), SG_ERR_INVALID);
  std::string missing = (dir.path() / "nope").string();
  spec.path = missing.c_str();
  spec.path_size = missing.size();
  EXPECT_EQ(sgw::open_file(spec, w, why), SG_ERR_NOT_FOUND);
}

TEST(GatewayUnit, MimeTypes) {
  EXPECT_EQ(sgw::mime_for_path("/a/b/index.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(sgw::mime_for_path("seg-1.m4s"), "video/iso.segment");
  EXPECT_EQ(sgw::mime_for_path("manifest.mpd"), "application/dash+xml");
  EXPECT_EQ(sgw::mime_for_path("master.m3u8"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(sgw::mime_for_path("x.wasm"), "application/wasm");
  EXPECT_EQ(sgw::mime_for_path("dir.v1/file"), "application/octet-stream");
}

TEST(GatewayUnit, HttpDatesRoundTrip) {
  EXPECT_EQ(sgw::format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(sgw::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            std::optional<std::time_t>(784111777));
  EXPECT_FALSE(sgw::parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_FALSE(sgw::parse_http_date("garbage"));
}

TEST(GatewayUnit, RequestIds) {
  EXPECT_TRUE(sgw::request_id_valid("abc-123_X.y"));
  EXPECT_FALSE(sgw::request_id_valid(""));
  EXPECT_FALSE(sgw::request_id_valid("has space"));
  EXPECT_FALSE(sgw::request_id_valid(std::string(129, 'a')));
  char a[40], b[40];
  std::string ida(a, sgw::generate_request_id(a));
  std::string idb(b, sgw::generate_request_id(b));
  EXPECT_NE(ida, idb);
  EXPECT_TRUE(sgw::request_id_valid(ida));
}

TEST(GatewayUnit, ConfigValidation) {
  auto c = sgw::parse_config({{"port", 9000}, {"limits", {{"max_body_bytes", 10}}}});
  EXPECT_EQ(c.port, 9000);
  EXPECT_EQ(c.limits.max_body_bytes, 10u);
  EXPECT_GE(c.threads, 1u);
  EXPECT_THROW(sgw::parse_config({{"port", 70000}}), sg::Error);
  EXPECT_THROW(sgw::parse_config({{"port", "x"}}), sg::Error);
  EXPECT_THROW(sgw::parse_config({{"tls", {{"enabled", true}}}}), sg::Error);
  EXPECT_THROW(sgw::parse_config({{"rate_limit", {{"backend", "redis"}}}}), sg::Error);
  EXPECT_THROW(sgw::parse_config({{"static", {{"mount", "nope"}}}}), sg::Error);
  auto cors = sgw::parse_config(
      {{"cors", {{"allowed_origins", {"https://a"}}, {"allowed_methods", {"GET", "POST"}}}}});
  EXPECT_TRUE(cors.cors.enabled);
  EXPECT_EQ(cors.cors.allowed_methods, "GET, POST");
}

// Issue 10.10: "*" with credentials used to echo any origin, so every site could make
// credentialed requests as the signed-in viewer.
TEST(GatewayUnit, CorsWildcardWithCredentialsIsRefused) {
  try {
    sgw::parse_config(
        {{"cors", {{"allowed_origins", {"https://a", "*"}}, {"allow_credentials", true}}}});
    ADD_FAILURE() << "accepted allowed_origins [*] with allow_credentials";
  } catch (const sg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("plugins.gateway.cors.allow_credentials"),
              std::string::npos)
        << e.what();
  }
  auto any = sgw::parse_config({{"cors", {{"allowed_origins", {"*"}}}}});
  sgw::Cors cors(any.cors);
  EXPECT_EQ(cors.allow_origin("https://evil.example"), "*");
}

TEST(GatewayUnit, TrustedProxiesNameTheClient) {
  auto c = sgw::parse_config({{"trusted_proxies", {"10.0.0.0/8", "::1"}}});
  ASSERT_EQ(c.trusted_proxies.size(), 2u);
  sgw::TrustedProxies p(sgw::Context::networks(c.trusted_proxies));
  EXPECT_TRUE(p.trusts("10.9.8.7"));
  EXPECT_TRUE(p.trusts("::1"));
  EXPECT_FALSE(p.trusts("11.0.0.1"));
  // An untrusted peer's header is ignored.
  EXPECT_EQ(p.client_ip("203.0.113.5", "198.51.100.1"), "203.0.113.5");
  EXPECT_EQ(p.client_ip("10.0.0.1", "198.51.100.1"), "198.51.100.1");
  // The right-most untrusted entry: what the client wrote itself on the left is skipped.
  EXPECT_EQ(p.client_ip("10.0.0.1", "1.2.3.4, 198.51.100.1, 10.0.0.2"), "198.51.100.1");
  EXPECT_EQ(p.client_ip("10.0.0.1", "10.0.0.3,10.0.0.2"), "10.0.0.3");  // all proxies
  EXPECT_EQ(p.client_ip("10.0.0.1", ""), "10.0.0.1");
  EXPECT_EQ(p.client_ip("10.0.0.1", "1.2.3.4, junk, 10.0.0.2"), "10.0.0.2");
  EXPECT_EQ(p.client_ip("::1", "2001:db8::7"), "2001:db8::7");
  EXPECT_THROW(sgw::parse_config({{"trusted_proxies", {"10.0.0.0/40"}}}), sg::Error);
  EXPECT_THROW(sgw::parse_config({{"trusted_proxies", {"proxy.local"}}}), sg::Error);
  EXPECT_THROW(sgw::parse_config({{"trusted_proxies", "10.0.0.1"}}), sg::Error);
}

// The SDK's one error shape: extra fields and headers ride on HttpError, bad UTF-8 in a
// message (it may quote client input) never throws, and work the pool refuses is answered
// as "overloaded" (queue full, retry) or "shutting_down", never the one for the other.
TEST(GatewayUnit, SdkErrorShapes) {
  auto e = sg::http::HttpError(413, "upload_too_large", "too big")
               .with_field("limit", 1024)
               .with_header("Tus-Resumable", "1.0.0");
  auto body = nlohmann::json::parse(sg::http::error_body(e.code(), e.what(), e.fields()));
  EXPECT_EQ(body, nlohmann::json::parse(
                      R"({"error":{"code":"upload_too_large","message":"too big","limit":1024}})"));
  ASSERT_EQ(e.headers().size(), 1u);
  EXPECT_EQ(e.headers()[0].name, "Tus-Resumable");
  auto bad = nlohmann::json::parse(sg::http::error_body("x", std::string("caf\xc3")));
  EXPECT_EQ(bad["error"]["message"], "caf\xef\xbf\xbd");

  auto full = sg::http::refused_work_error(sg::Error(SG_ERR_LIMIT, "queue full"));
  EXPECT_EQ(full.status(), 503);
  EXPECT_EQ(full.code(), "overloaded");
  ASSERT_EQ(full.headers().size(), 1u);
  EXPECT_EQ(full.headers()[0].name, "Retry-After");
  for (sg_status st : {SG_ERR_CANCELLED, SG_ERR_UNAVAILABLE}) {
    auto stopping = sg::http::refused_work_error(sg::Error(st, "stopping"));
    EXPECT_EQ(stopping.status(), 503);
    EXPECT_EQ(stopping.code(), "shutting_down");
    EXPECT_TRUE(stopping.headers().empty());
  }
}

TEST(GatewayUnit, RouteTableIsSafeUnderConcurrentChanges) {
  sgw::RouteTable t;
  ASSERT_EQ(add(t, SG_HTTP_GET, "/stable/{id}"), SG_OK);
  std::atomic<bool> stop{false};
  std::atomic<long> misses{0};
  std::atomic<long> lookups{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      std::vector<sgw::Param> params;
      while (!stop.load()) {
        auto m = match(t, SG_HTTP_GET, "/stable/42", params);
        if (!m.route || params.size() != 1 || params[0].value != "42") misses.fetch_add(1);
        lookups.fetch_add(1);
      }
    });
  }
  // Start changing only once the readers run, so the two really overlap.
  while (lookups.load() < 100) std::this_thread::yield();
  for (int i = 0; i < 500; ++i) {
    uint64_t id = 0;
    ASSERT_EQ(add(t, SG_HTTP_GET | SG_HTTP_POST, "/churn/" + std::to_string(i) + "/{x}", &id),
              SG_OK);
    if (i % 2 == 0) {
      ASSERT_EQ(t.remove(id), SG_OK);
    }
  }
  stop.store(true);
  for (auto& r : readers) r.join();
  EXPECT_EQ(misses.load(), 0);
  EXPECT_GT(lookups.load(), 0);
  EXPECT_EQ(t.snapshot()->size(), 251u);
}
