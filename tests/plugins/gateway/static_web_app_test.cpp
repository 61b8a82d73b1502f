// The static folder as a web app's server (plugins.gateway.static): index.html at the mount,
// per-path Cache-Control rules (hashed assets immutable, everything else revalidated), the
// Content-Security-Policy on HTML only, nosniff everywhere, and the configuration's checks.
#include <gtest/gtest.h>

#include <streamgate/plugin.hpp>

#include "config.hpp"
#include "gateway_fixture.hpp"
#include "static_policy.hpp"

namespace sgw = sg::gateway;

namespace {

constexpr const char* kImmutable = "public, max-age=31536000, immutable";
constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'";

std::string header_of(const sgw::HeaderList& list, const std::string& name) {
  for (const auto& [k, v] : list)
    if (k == name) return v;
  return "";
}

}  // namespace

TEST(GatewayStaticPolicy, DefaultsRevalidateAndProtectPages) {
  sgw::StaticConfig cfg = sgw::parse_config(nlohmann::json::object()).static_files;
  EXPECT_EQ(cfg.cache_control, "no-cache");
  EXPECT_TRUE(
      cfg.cache_rules.empty());  // "immutable" only where the operator says names are hashed
  auto html = sgw::static_response_headers(cfg, "/", "text/html; charset=utf-8");
  EXPECT_EQ(header_of(html, "Cache-Control"), "no-cache");
  EXPECT_EQ(header_of(html, "X-Content-Type-Options"), "nosniff");
  const std::string csp = header_of(html, "Content-Security-Policy");
  for (const char* directive :
       {"script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
        "worker-src 'self' blob:", "media-src 'self' blob:", "connect-src 'self'",
        "img-src 'self' data: blob:", "style-src 'self'"})
    EXPECT_NE(csp.find(directive), std::string::npos) << directive << " missing from " << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  auto js = sgw::static_response_headers(cfg, "/app.js", "text/javascript; charset=utf-8");
  EXPECT_EQ(header_of(js, "Content-Security-Policy"), "");
  EXPECT_EQ(header_of(js, "Cache-Control"), "no-cache");
}

TEST(GatewayStaticPolicy, FirstMatchingRuleWins) {
  auto cfg = sgw::parse_config(
                 {{"static",
                   {{"cache_control", ""},
                    {"content_security_policy", ""},
                    {"cache_rules",
                     {{{"path_prefix", "/assets/fonts/"}, {"cache_control", "public, max-age=60"}},
                      {{"path_prefix", "/assets/"}, {"cache_control", kImmutable}}}}}}})
                 .static_files;
  EXPECT_EQ(sgw::static_cache_control(cfg, "/assets/app-ABC.js"), kImmutable);
  EXPECT_EQ(sgw::static_cache_control(cfg, "/assets/fonts/a.woff2"), "public, max-age=60");
  EXPECT_EQ(sgw::static_cache_control(cfg, "/assetsX/app.js"), "");
  EXPECT_EQ(sgw::static_cache_control(cfg, "/index.html"), "");
  auto html = sgw::static_response_headers(cfg, "/", "text/html; charset=utf-8");
  EXPECT_EQ(header_of(html, "Cache-Control"), "");  // "" = no header at all
  EXPECT_EQ(header_of(html, "Content-Security-Policy"), "");
  EXPECT_EQ(html.size(), 1u);  // nosniff alone
}

TEST(GatewayStaticPolicy, ConfigurationIsChecked) {
  using J = nlohmann::json;
  auto refused = [](const J& st) {
    try {
      sgw::parse_config({{"static", st}});
    } catch (const sg::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(refused({{"cache_rules", "assets"}}), "");
  EXPECT_NE(refused({{"cache_rules", {{{"path_prefix", "assets/"}, {"cache_control", "x"}}}}})
                .find("static.cache_rules[0].path_prefix"),
            std::string::npos);
  EXPECT_NE(refused({{"cache_rules", {{{"path_prefix", "/a/"}}}}}).find("cache_control"),
            std::string::npos);
  EXPECT_NE(refused({{"cache_rules", {{{"path_prefix", "/a/"}, {"cache_control", "x"}, {"y", 1}}}}})
                .find("static.cache_rules[0].y"),
            std::string::npos);
  // A value that would split the response is refused at start-up, not at the first request.
  EXPECT_NE(
      refused({{"cache_control", "no-cache\r\nSet-Cookie: a=b"}}).find("static.cache_control"),
      std::string::npos);
  EXPECT_NE(refused({{"content_security_policy", "a\nb"}}).find("content_security_policy"),
            std::string::npos);
  EXPECT_EQ(
      refused({{"cache_rules", {{{"path_prefix", "/assets/"}, {"cache_control", kImmutable}}}}}),
      "");
}

class GatewayStaticWebApp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gw_ = new gwtest::Gateway();
    gw_->write_file("dist/index.html", "<!doctype html><head><!--sg:head--></head>");
    gw_->write_file("dist/assets/app-4F2A.js", "export {}");
    gw_->write_file("dist/assets/app-4F2A.css", "body{}");
    gw_->write_file("dist/robots.txt", "User-agent: *");
    gw_->gateway_config["static"] = {
        {"dir", (gw_->files.path() / "dist").string()},
        {"mount", "/"},
        {"content_security_policy", kCsp},
        {"cache_rules", {{{"path_prefix", "/assets/"}, {"cache_control", kImmutable}}}}};
    ASSERT_TRUE(gw_->start());
  }
  static void TearDownTestSuite() {
    delete gw_;
    gw_ = nullptr;
  }
  void SetUp() override {
    if (gw_ == nullptr || !gw_->server || !gw_->server->running()) GTEST_SKIP() << "no server";
  }
  static sgtest::HttpResponse get(const std::string& target, sgtest::Headers h = {}) {
    return sgtest::http(gw_->port(), "GET", target, "", std::move(h));
  }
  static gwtest::Gateway* gw_;
};
gwtest::Gateway* GatewayStaticWebApp::gw_ = nullptr;

TEST_F(GatewayStaticWebApp, IndexAtTheRootIsRevalidatedAndCarriesTheCsp) {
  for (const char* target : {"/", "/index.html"}) {
    auto r = get(target);
    ASSERT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.body, "<!doctype html><head><!--sg:head--></head>") << target;
    EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8") << target;
    EXPECT_EQ(r.header("cache-control"), "no-cache") << target;
    EXPECT_EQ(r.header("content-security-policy"), kCsp) << target;
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << target;
    // no-cache means "revalidate": the ETag makes that a 304, which keeps its headers.
    auto again = get(target, {{"If-None-Match", r.header("etag")}});
    EXPECT_EQ(again.status, 304) << target;
    EXPECT_EQ(again.header("cache-control"), "no-cache") << target;
  }
  // The routes of other plugins stay theirs: the catch-all is the least specific route.
  EXPECT_EQ(get("/t/hello").status, 200);
}

TEST_F(GatewayStaticWebApp, HashedAssetsAreImmutableAndWithoutCsp) {
  auto js = get("/assets/app-4F2A.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.header("cache-control"), kImmutable);
  EXPECT_FALSE(js.has_header("content-security-policy"));
  EXPECT_EQ(js.header("x-content-type-options"), "nosniff");
  auto css = get("/assets/app-4F2A.css");
  EXPECT_EQ(css.header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(css.header("cache-control"), kImmutable);
  auto other = get("/robots.txt");
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.header("cache-control"), "no-cache");
  auto missing = get("/assets/app-0000.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.header("cache-control"), kImmutable);  // a 404 is never cached for a year
}
