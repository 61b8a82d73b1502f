// The shareable watch page: escaping, the tags for public ready content and the generic ones
// for anything else, insertion at the marker; then GET|HEAD /watch/{id} on the analytics
// stack (escaped OG tags of a public video titled with <"&>, generic tags for a signed-in one
// and unknown ids, the CSP and caching headers, the page re-read when the file changes).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "stream_fixture.hpp"
#include "watch_page.hpp"

using namespace sg::streaming;

namespace {

ContentInfo public_video() {
  ContentInfo c;
  c.exists = true;
  c.id = "0f8fad5b-d9cb-469f-a165-70867728950e";
  c.status = "ready";
  c.visibility = "public";
  c.title = "Tom & \"Jerry\" <3 'live'";
  c.description = "<script>alert(1)</script>";
  c.has_poster = true;
  return c;
}

}  // namespace

TEST(WatchPage, EscapesEveryHtmlSpecialCharacter) {
  EXPECT_EQ(html_escape(R"(<a href="x">Tom & 'Jerry'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  EXPECT_EQ(html_escape("plain text"), "plain text");
}

TEST(WatchPage, PublicReadyContentGetsItsOwnEscapedTags) {
  auto c = public_video();
  std::string tags = watch_head_tags(&c, "");
  EXPECT_NE(tags.find("<title>Tom &amp; &quot;Jerry&quot; &lt;3 &#39;live&#39;</title>"),
            std::string::npos)
      << tags;
  EXPECT_NE(
      tags.find(
          R"(<meta property="og:title" content="Tom &amp; &quot;Jerry&quot; &lt;3 &#39;live&#39;">)"),
      std::string::npos)
      << tags;
  EXPECT_NE(tags.find(R"(<meta property="og:type" content="video.other">)"), std::string::npos);
  EXPECT_NE(tags.find(R"(content="&lt;script&gt;alert(1)&lt;/script&gt;")"), std::string::npos);
  EXPECT_EQ(tags.find("<script>"), std::string::npos);
  // Relative without a configured base; no og:url then.
  EXPECT_NE(tags.find(R"(<meta property="og:image" content="/stream/)" + c.id + "/poster.jpg\">"),
            std::string::npos)
      << tags;
  EXPECT_EQ(tags.find("og:url"), std::string::npos);
  std::string absolute = watch_head_tags(&c, "https://v.example");
  EXPECT_NE(absolute.find(R"(content="https://v.example/stream/)" + c.id + "/poster.jpg\""),
            std::string::npos);
  EXPECT_NE(absolute.find(R"(content="https://v.example/watch/)" + c.id + "\""), std::string::npos);
}

TEST(WatchPage, AnythingElseGetsGenericTags) {
  auto gated = public_video();
  gated.visibility = "token_gated";
  auto processing = public_video();
  processing.status = "processing";
  auto missing = public_video();
  missing.exists = false;
  for (const ContentInfo* c : {&gated, &processing, &missing, static_cast<ContentInfo*>(nullptr)}) {
    std::string tags = watch_head_tags(c, "https://v.example");
    EXPECT_EQ(tags.find("Jerry"), std::string::npos) << tags;
    EXPECT_EQ(tags.find("og:image"), std::string::npos) << tags;
    EXPECT_EQ(tags.find("og:url"), std::string::npos) << tags;
    EXPECT_NE(tags.find("<title>StreamGate</title>"), std::string::npos) << tags;
    EXPECT_NE(tags.find(R"(<meta property="og:type" content="website">)"), std::string::npos);
  }
}

TEST(WatchPage, TagsGoAtTheMarkerAndReplaceTheAppTitle) {
  std::string page = "<html><head><TITLE>App</TITLE><!--sg:head--><link rel=x></head></html>";
  EXPECT_EQ(render_watch_page(page, "<T>"), "<html><head><T><link rel=x></head></html>");
  EXPECT_EQ(render_watch_page("<html><head></head></html>", "<T>"),
            "<html><head><T></head></html>");
}

TEST(WatchPage, TheFileIsReadAgainWhenItChanges) {
  sgtest::TempDir dir;
  auto path = dir.path() / "index.html";
  WatchPage page(path.string());
  std::string why;
  EXPECT_EQ(page.load(&why), nullptr);
  EXPECT_NE(why.find("index.html"), std::string::npos);
  std::ofstream(path) << "one";
  auto first = page.load();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(*first, "one");
  EXPECT_EQ(page.load(), first);  // unchanged: the same text, not read again
  std::ofstream(path) << "second";
  auto second = page.load();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(*second, "second");
}

namespace {

class WatchRoute : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = streamtest::skip_reason(); !why.empty()) GTEST_SKIP() << why;
    s = streamtest::analytics_stack();
    ASSERT_NE(s, nullptr);
  }
  static void expect_page_headers(const sgtest::HttpResponse& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(r.header("Cache-Control"), "no-cache");
    EXPECT_EQ(r.header("Content-Security-Policy"),
              "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: "
              "blob:; media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; "
              "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  }
  streamtest::Stack* s = nullptr;
};

}  // namespace

TEST_F(WatchRoute, PublicVideoGetsEscapedOpenGraphTags) {
  const std::string id = s->content_b;
  auto patch = s->as_owner("PATCH", "/api/v1/content/" + id,
                           {{"title", "Tom & \"Jerry\" <3"},
                            {"description", "A <b>bold</b> chase"},
                            {"visibility", "public"},
                            {"gate", nullptr}});
  ASSERT_EQ(patch.status, 200) << patch.body;
  auto r = s->get("/watch/" + id);
  expect_page_headers(r);
  const std::string& b = r.body;
  EXPECT_NE(b.find("<title>Tom &amp; &quot;Jerry&quot; &lt;3</title>"), std::string::npos) << b;
  EXPECT_NE(b.find(R"(<meta property="og:title" content="Tom &amp; &quot;Jerry&quot; &lt;3">)"),
            std::string::npos)
      << b;
  EXPECT_NE(b.find(R"(<meta property="og:description" content="A &lt;b&gt;bold&lt;/b&gt; chase">)"),
            std::string::npos)
      << b;
  EXPECT_NE(b.find(R"(<meta property="og:type" content="video.other">)"), std::string::npos);
  EXPECT_NE(b.find(std::string(R"(<meta property="og:image" content=")") +
                   streamtest::kAnalyticsBaseUrl + "/stream/" + id + "/poster.jpg\">"),
            std::string::npos)
      << b;
  EXPECT_NE(b.find(std::string(R"(<meta property="og:url" content=")") +
                   streamtest::kAnalyticsBaseUrl + "/watch/" + id + "\">"),
            std::string::npos);
  EXPECT_EQ(b.find("Jerry\" <3"), std::string::npos);  // nothing unescaped
  EXPECT_EQ(b.find("<title>App</title>"), std::string::npos);
  EXPECT_EQ(b.find("<!--sg:head-->"), std::string::npos);
  EXPECT_NE(b.find("<div id=\"app\"></div>"), std::string::npos);  // the app itself is intact
  // The poster the tags name is really there for a crawler.
  EXPECT_EQ(s->get("/stream/" + id + "/poster.jpg").status, 200);

  auto head = s->server->request("HEAD", "/watch/" + id);
  expect_page_headers(head);
  EXPECT_TRUE(head.body.empty());
}

TEST_F(WatchRoute, GatedUnknownAndMalformedIdsGetTheSamePageWithGenericTags) {
  const std::string id = s->content_a;
  auto patch = s->as_owner("PATCH", "/api/v1/content/" + id,
                           {{"title", "Private <title>"}, {"visibility", "signed_in"}});
  ASSERT_EQ(patch.status, 200) << patch.body;
  for (const std::string& target :
       {"/watch/" + id, std::string("/watch/00000000-0000-4000-8000-000000000000"),
        std::string("/watch/not-an-id")}) {
    auto r = s->get(target);
    expect_page_headers(r);
    EXPECT_EQ(r.body.find("Private"), std::string::npos) << target << r.body;
    EXPECT_NE(r.body.find("<title>StreamGate</title>"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find(R"(<meta property="og:type" content="website">)"), std::string::npos);
    EXPECT_EQ(r.body.find("og:image"), std::string::npos) << r.body;
  }
  // Even the owner's own link preview stays generic: crawlers have no session.
  auto owner = s->as_owner("GET", "/watch/" + id);
  EXPECT_EQ(owner.body.find("Private"), std::string::npos);
}

TEST_F(WatchRoute, ARebuiltAppIsServedWithoutARestart) {
  const std::string path = streamtest::analytics_page_path();
  std::string original;
  {
    std::ifstream in(path);
    original.assign(std::istreambuf_iterator<char>(in), {});
  }
  // A different size guarantees the change is seen even within one mtime tick.
  {
    std::ofstream out(path);
    out << "<html><head><!--sg:head--></head><body>rebuilt app v2</body></html>";
  }
  auto r = s->get("/watch/" + s->content_b);
  EXPECT_NE(r.body.find("rebuilt app v2"), std::string::npos) << r.body;
  std::ofstream(path) << original;
  auto back = s->get("/watch/" + s->content_b);
  EXPECT_NE(back.body.find("<div id=\"app\"></div>"), std::string::npos) << back.body;
}
