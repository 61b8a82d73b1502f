// GET|HEAD /stream/{id}/{path*}. Files go out through the gateway's file responses
// (sendfile, Range, ETag, 304); manifests of non-public content are rewritten on the fly with
// a playback token on every URI.
#include <cerrno>
#include <string>

#include "manifest_rewrite.hpp"
#include "media_path.hpp"
#include "pipeline.hpp"
#include "routes.hpp"
#include "viewer.hpp"

namespace sg::streaming {
namespace {

constexpr const char* kImmutablePublic = "public, max-age=31536000, immutable";

std::string cache_control(const Context& ctx, const MediaFile& file, bool public_content) {
  bool manifest = is_rewritten(file.kind);
  if (public_content)
    return manifest ? "public, max-age=" + std::to_string(ctx.config.manifest_max_age_seconds)
                    : kImmutablePublic;
  if (manifest) return "private, max-age=" + std::to_string(ctx.config.manifest_max_age_seconds);
  return "private, max-age=" + std::to_string(ctx.config.private_segment_max_age_seconds);
}

std::string rewrite(const MediaFile& file, std::string_view text, std::string_view token) {
  switch (file.kind) {
    case FileKind::mpd:
      return rewrite_mpd(text, token);
    case FileKind::storyboard_vtt:
      return rewrite_vtt(text, token);
    default:
      return rewrite_hls(text, token);
  }
}

// View analytics: one delivered media segment into the in-memory counter (see
// view_counter.hpp). Only GETs that deliver the segment's start count (not HEAD, not a later
// Range part). A few header lookups, one keyed hash and one shard's mutex: no I/O.
void count_delivery(Context& ctx, const http::Exchange& ex, const ContentInfo& content,
                    const MediaFile& file, const Grant& grant) {
  if (!ctx.analytics || file.kind != FileKind::media_segment || ex.method() != SG_HTTP_GET ||
      !counts_as_delivery(ex.header("Range")))
    return;
  const std::string_view path = file.relative;
  const size_t slash = path.find('/');
  SegmentDelivery d;
  d.content_id = content.id;
  d.rendition = path.substr(0, slash);
  // "seg-00001.m4s": the digits between "seg-" and ".m4s" (checked by parse_media_path).
  std::string_view digits = path.substr(slash + 5, path.size() - slash - 5 - 4);
  for (char c : digits) d.segment = d.segment * 10 + static_cast<uint32_t>(c - '0');
  d.seconds = segment_duration(content, d.rendition, d.segment);
  d.adds_watch_time = !file.audio || !has_video(content);
  d.now = unix_now();
  std::optional<ViewerId> viewer;
  if (grant.via_token) {
    d.token_session = ctx.analytics->token_session(grant.token);
    d.token_expires_at = static_cast<int64_t>(grant.token_facts.expires_at);
    viewer = wallet_viewer(grant.token_facts.address.data());
  } else if (grant.identity.authenticated) {
    viewer = wallet_viewer(grant.identity.address);
  }
  d.viewer = viewer ? *viewer
                    : ctx.analytics->anonymous(client_ip(ex.remote_address()),
                                               ex.header("User-Agent").value_or(""), d.now);
  if (ctx.analytics->count(d)) ctx.metrics.views.add();
  if (d.adds_watch_time && d.seconds > 0) ctx.metrics.watch_seconds.add(d.seconds);
  ctx.metrics.segments.add(ctx.host, d.rendition);
}

void serve(Context& ctx, const http::Exchange& ex, const ContentInfo& content,
           const MediaFile& file, const Grant& grant) {
  std::string relative = content.id + "/" + file.relative;
  std::string cc = cache_control(ctx, file, grant.public_content);
  if (grant.public_content || !is_rewritten(file.kind)) {
    Fd fd = open_beneath(ctx.media_root.get(), relative);
    if (!fd) {
      ex.respond_error(404, "not_found", "no such file in this content's media");
      return;
    }
    sg_http_header headers[2] = {{"Cache-Control", 13, cc.data(), cc.size()},
                                 {"Vary", 4, "Authorization, Cookie", 21}};
    sg_http_file f{};
    f.struct_size = sizeof(f);
    f.fd = fd.get();
    f.length = UINT64_MAX;
    const char* type = content_type(file);
    f.content_type = type;
    f.content_type_size = std::char_traits<char>::length(type);
    f.headers = headers;
    // Public answers are the same for everyone: no Vary, so shared caches keep one copy.
    f.header_count = grant.public_content ? 1 : 2;
    sg_error err{};
    sg_status st = ex.respond_file(200, f, &err);
    if (st == SG_ERR_NOT_FOUND) {
      ex.respond_error(404, "not_found", "no such file in this content's media");
      return;
    }
    ctx.metrics.files_served.add();
    if (st == SG_OK) count_delivery(ctx, ex, content, file, grant);
    return;
  }
  std::shared_ptr<const std::string> text = content.manifests->find(file.relative);
  if (!text) {
    Fd fd = open_beneath(ctx.media_root.get(), relative);
    if (!fd) {
      ex.respond_error(404, "not_found", "no such file in this content's media");
      return;
    }
    auto read = std::make_shared<std::string>();
    if (!read_small_file(fd.get(), ctx.config.max_manifest_bytes, *read)) {
      ex.respond_error(500, "internal_error", "the manifest cannot be read");
      return;
    }
    content.manifests->put(file.relative, read);
    text = std::move(read);
  }
  if (!grant.via_token && !ctx.auth) {
    ex.respond_error(503, "service_unavailable", "playback tokens need the auth plugin");
    return;
  }
  // A token-authorised request keeps its token: minting a fresh one would let a token
  // outlive a revocation by re-fetching manifests. A session gets a fresh one.
  std::string token = grant.via_token
                          ? grant.token
                          : ctx.auth.playback_mint(content.id, &grant.identity,
                                                   token_ttl_for(ctx.config, content.duration));
  ctx.metrics.manifests_rewritten.add();
  ex.respond(200, rewrite(file, *text, token),
             {{"Content-Type", content_type(file)},
              {"Cache-Control", cc},
              {"Vary", "Authorization, Cookie"}});
}

}  // namespace

void add_media_routes(http::Router& router, Context& ctx) {
  Context* c = &ctx;
  router.add(SG_HTTP_GET | SG_HTTP_HEAD, "/stream/{id}/{path*}", [c](const http::Exchange& ex) {
    auto id = normalise_content_id(ex.path_param("id").value_or(""));
    auto file = parse_media_path(ex.path_param("path").value_or(""));
    if (!id || !file) {
      ex.respond_error(404, "not_found", "no such media file");
      return;
    }
    with_content(*c, ex, *id, [c, file = *file](const http::Exchange& e, ContentPtr content) {
      with_access(*c, e, content, true,
                  [c, file, content](const http::Exchange& e2, const Grant& g) {
                    if (content->status != "ready") {
                      e2.respond_error(not_ready_error(*c, *content));
                      return;
                    }
                    serve(*c, e2, *content, file, g);
                  });
    });
  });
}

}  // namespace sg::streaming
