// The steps every streaming and playback request goes through: find the content (cache,
// else the catalogue on the blocking pool), then decide access (pure CPU, or auth's
// gate_check_async for NFT gates). Each step answers errors itself and calls the next with
// the exchange when it may go on — on the network thread when nothing had to wait, on a pool
// thread otherwise.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <streamgate/services/http.hpp>

#include "access.hpp"
#include "context.hpp"

namespace sg::streaming {

using ContentPtr = std::shared_ptr<const ContentInfo>;

// Finds `id` (normalised) and calls next(ex, content) when it exists; 404 otherwise.
// `fresh`: read the catalogue even when the cache has the content (manifests and the playback
// endpoint), so a change the owner was just told is saved applies to the very next manifest
// even before its content.updated event is delivered (the bus never delivers inline); the
// fresh record replaces the cache entry, so the segments fetched after it follow too. Ids
// cached as absent are answered from the cache either way.
void with_content(Context& ctx, const http::Exchange& ex, const std::string& id,
                  std::function<void(const http::Exchange&, ContentPtr)> next, bool fresh = false);

struct Grant {
  bool public_content = false;
  bool via_token = false;
  std::string token;  // the request's token when via_token
  sg_http_identity identity{};
};

// Decides whether the request may read `content`; calls next(ex, grant) when allowed,
// answers 401/403 (with `required` for NFT gates) or 503 (gate check unavailable) otherwise.
// `accept_token`: whether a ?token= counts (media routes) or not (the playback endpoint,
// which is asked with a session).
void with_access(Context& ctx, const http::Exchange& ex, ContentPtr content, bool accept_token,
                 std::function<void(const http::Exchange&, const Grant&)> next);

// The 409 for content that is not `ready` (status, progress or reason).
http::HttpError not_ready_error(Context& ctx, const ContentInfo& content);

}  // namespace sg::streaming
