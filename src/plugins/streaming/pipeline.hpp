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

// Finds `id` (normalised) and calls next(ex, content) when it exists; 404 otherwise. From the
// content cache when its copy is current (metadata's change stamp unchanged), else from the
// catalogue on the blocking pool.
void with_content(Context& ctx, const http::Exchange& ex, const std::string& id,
                  std::function<void(const http::Exchange&, ContentPtr)> next);
// The same lookup, calling next also for an unknown id (content->exists == false).
void find_content(Context& ctx, const http::Exchange& ex, const std::string& id,
                  std::function<void(const http::Exchange&, ContentPtr)> next);

struct Grant {
  bool public_content = false;
  bool via_token = false;
  std::string token;                  // the request's token when via_token
  VerifiedTokens::Facts token_facts;  // its expiry and wallet when via_token
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
