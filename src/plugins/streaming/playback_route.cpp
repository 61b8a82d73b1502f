// GET /api/v1/content/{id}/playback: what a page calls before playing. Answers the access
// decision for the caller's session and, when allowed, the URLs to give the player — with a
// playback token for non-public content, so players that cannot send headers work too.
#include <chrono>
#include <ctime>

#include "media_path.hpp"
#include "pipeline.hpp"
#include "routes.hpp"

namespace sg::streaming {
namespace {

std::string rfc3339(uint64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json playback_answer(Context& ctx, const ContentInfo& content, const Grant& grant) {
  const std::string base = "/stream/" + content.id + "/";
  std::string query;
  nlohmann::json answer{{"content_id", content.id}, {"visibility", content.visibility},
                        {"status", content.status}, {"duration", content.duration},
                        {"token", nullptr},         {"expires_at", nullptr}};
  if (!grant.public_content) {
    if (!ctx.auth) throw http::HttpError(503, "service_unavailable", "auth is not loaded");
    uint64_t ttl = token_ttl_for(ctx.config, content.duration);
    std::string token = ctx.auth.playback_mint(content.id, &grant.identity, ttl);
    auto claims = ctx.auth.playback_verify(token, content.id);
    query = "?token=" + token;
    answer["token"] = token;
    if (claims) {
      answer["expires_at"] = rfc3339(claims->expires_at);
      auto now = static_cast<uint64_t>(std::time(nullptr));
      answer["expires_in"] = claims->expires_at > now ? claims->expires_at - now : 0;
    }
  }
  answer["hls"] = base + "master.m3u8" + query;
  answer["dash"] = base + "manifest.mpd" + query;
  answer["poster"] = content.has_poster ? nlohmann::json(base + "poster.jpg" + query) : nullptr;
  answer["storyboard"] =
      content.has_storyboard ? nlohmann::json(base + "storyboard.vtt" + query) : nullptr;
  return answer;
}

}  // namespace

void add_playback_route(http::Router& router, Context& ctx) {
  Context* c = &ctx;
  router.add(SG_HTTP_GET, "/api/v1/content/{id}/playback", [c](const http::Exchange& ex) {
    auto id = normalise_content_id(ex.path_param("id").value_or(""));
    if (!id) {
      ex.respond_error(404, "not_found", "no such content");
      return;
    }
    with_content(*c, ex, *id, [c](const http::Exchange& e, ContentPtr content) {
      // Asked with a session (or nothing): a playback token is not a way to get another.
      with_access(*c, e, content, false, [c, content](const http::Exchange& e2, const Grant& g) {
        if (content->status != "ready") {
          e2.respond_error(not_ready_error(*c, *content));
          return;
        }
        e2.respond_json(200, playback_answer(*c, *content, g), {{"Cache-Control", "no-store"}});
      });
    });
  });
}

}  // namespace sg::streaming
