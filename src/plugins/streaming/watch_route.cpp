// GET|HEAD /watch/{id}: the shareable page. The web app's index.html with link-preview tags
// (watch_page.hpp): named ones for public ready content, generic ones for anything else, with
// the same 200 so a link reveals nothing about private content.
#include "media_path.hpp"
#include "pipeline.hpp"
#include "routes.hpp"

namespace sg::streaming {
namespace {

void answer_page(Context& ctx, const http::Exchange& ex, ContentPtr content) {
  http::answer_later(ctx.host, ex, [&ctx, content](const http::Exchange& e) {
    std::string why;
    auto page = ctx.watch_page->load(&why);
    if (!page) {
      ctx.host.warn("streaming: watch page unavailable: " + why);
      e.respond(503,
                http::error_body("watch_page_unavailable",
                                 "the web app's page is not available (is the app built?)"),
                {{"Content-Type", "application/json"},
                 {"Cache-Control", "no-store"},
                 {"Retry-After", "5"}});
      return;
    }
    std::string tags = watch_head_tags(content.get(), ctx.config.public_base_url);
    e.respond(200, render_watch_page(*page, tags),
              {{"Content-Type", "text/html; charset=utf-8"},
               {"Cache-Control", "no-cache"},
               {"Content-Security-Policy", ctx.config.content_security_policy},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "strict-origin-when-cross-origin"}});
  });
}

}  // namespace

void add_watch_route(http::Router& router, Context& ctx) {
  Context* c = &ctx;
  router.add(SG_HTTP_GET | SG_HTTP_HEAD, "/watch/{id}", [c](const http::Exchange& ex) {
    auto id = normalise_content_id(ex.path_param("id").value_or(""));
    if (!id) {
      answer_page(*c, ex, nullptr);  // the app shows "not found" itself
      return;
    }
    find_content(*c, ex, *id,
                 [c](const http::Exchange& e, ContentPtr content) { answer_page(*c, e, content); });
  });
}

}  // namespace sg::streaming
