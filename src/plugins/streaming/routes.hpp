// The streaming plugin's HTTP routes.
#pragma once

#include <streamgate/services/http.hpp>

#include "context.hpp"

namespace sg::streaming {

// GET|HEAD /stream/{id}/{path*}: manifests, playlists, init and media segments, poster and
// storyboard of a ready content, after the access check.
void add_media_routes(http::Router& router, Context& ctx);
// GET /api/v1/content/{id}/playback: the access decision and the URLs to play with.
void add_playback_route(http::Router& router, Context& ctx);
// GET /api/v1/content/{id}/stats: view analytics, for the owner or an administrator.
void add_stats_route(http::Router& router, Context& ctx);
// GET|HEAD /watch/{id}: the web app's page with link-preview tags (when watch_page is set).
void add_watch_route(http::Router& router, Context& ctx);

}  // namespace sg::streaming
