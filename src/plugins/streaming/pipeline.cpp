#include "pipeline.hpp"

#include <utility>

namespace sg::streaming {
namespace {

void deny(Context& ctx, const http::Exchange& ex, int status, const std::string& code,
          const std::string& message, const nlohmann::json& fields = nlohmann::json::object()) {
  ctx.metrics.denied(code).add();
  http::HttpError e(status, code, message);
  for (const auto& [k, v] : fields.items()) e.with_field(k, v);
  if (status == 401) e.with_header("WWW-Authenticate", "Bearer");
  e.with_header("Cache-Control", "no-store");
  ex.respond_error(e);
}

}  // namespace

void with_content(Context& ctx, const http::Exchange& ex, const std::string& id,
                  std::function<void(const http::Exchange&, ContentPtr)> next) {
  find_content(ctx, ex, id, [next](const http::Exchange& e, ContentPtr c) {
    if (!c->exists) {
      e.respond_error(404, "not_found", "no such content");
      return;
    }
    next(e, std::move(c));
  });
}

void find_content(Context& ctx, const http::Exchange& ex, const std::string& id,
                  std::function<void(const http::Exchange&, ContentPtr)> next) {
  auto go = [next](const http::Exchange& e, const ContentPtr& c) { next(e, c); };
  // A copy is trusted only while metadata's change stamp for the id is the one read with it:
  // a change already acknowledged to its author (a PATCH answered) is never answered from an
  // older copy, even before its content.updated event arrives. An atomic load, no I/O.
  if (!ctx.metadata) {
    ex.respond_error(503, "service_unavailable", "the content catalogue is not loaded");
    return;
  }
  if (auto hit = ctx.cache.find(id); hit && hit->stamp == ctx.metadata.change_stamp(id)) {
    go(ex, hit);
    return;
  }
  ctx.metrics.cache_misses.add();
  uint64_t generation = ctx.cache.generation();
  http::answer_later(ctx.host, ex, [&ctx, id, generation, go](const http::Exchange& e) {
    const uint64_t stamp = ctx.metadata.change_stamp(id);  // before the read: see metadata.h
    auto record = ctx.metadata.get(id);
    auto info = std::make_shared<ContentInfo>();
    if (record) {
      *info = content_info_from_record(*record);
    } else {
      info->id = id;
      info->exists = false;
    }
    info->stamp = stamp;
    ctx.cache.put_if_current(info, generation);
    go(e, info);
  });
}

void with_access(Context& ctx, const http::Exchange& ex, ContentPtr content, bool accept_token,
                 std::function<void(const http::Exchange&, const Grant&)> next) {
  Grant grant;
  grant.identity = ex.identity();
  grant.public_content = content->visibility == "public";
  TokenState token_state = TokenState::absent;
  std::string token_error;
  if (accept_token && !grant.public_content) {
    if (auto t = ex.query_param("token")) {
      if (!ctx.auth) {
        token_state = TokenState::invalid;
        token_error = "playback tokens are not available (auth is not loaded)";
      } else if (auto facts = ctx.tokens.valid(*t, content->id)) {
        token_state = TokenState::valid;
        grant.token = std::string(*t);
        grant.token_facts = *facts;
      } else if (auto claims = ctx.auth.playback_verify(*t, content->id, &token_error)) {
        ctx.tokens.remember(*t, content->id, claims->expires_at, claims->address);
        token_state = TokenState::valid;
        grant.token = std::string(*t);
        grant.token_facts = VerifiedTokens::facts_of(claims->expires_at, claims->address);
      } else {
        token_state = TokenState::invalid;
      }
    }
  }
  Access a = decide_access(*content, grant.identity, token_state, token_error);
  grant.via_token = a.via_token;
  if (a.outcome == Access::allow) {
    next(ex, grant);
    return;
  }
  if (a.outcome == Access::deny) {
    deny(ctx, ex, a.status, a.code, a.message);
    return;
  }
  if (!ctx.auth) {
    deny(ctx, ex, 503, "gate_check_unavailable", "NFT gates need the auth plugin");
    return;
  }
  ctx.auth.gate_check_async(
      grant.identity, content->gate.dump(), 0,
      [&ctx, ex, content, grant, next](const auth::GateVerdict& answer) {
        try {
          if (ex.cancelled()) return;
          if (answer.status != SG_OK) {
            // Fail closed: an unreachable chain, or a gate naming a chain auth does not know.
            deny(ctx, ex, 503, "gate_check_unavailable",
                 answer.message.empty()
                     ? "the NFT ownership check is unavailable"
                     : "the NFT ownership check is unavailable: " + answer.message);
            return;
          }
          if (!answer.allowed) {
            deny(ctx, ex, 403, "gate_denied",
                 "this content is for holders of the token named in `required`",
                 {{"required", required_for(*content, ctx.chain_names)},
                  {"reason", answer.reason},
                  {"balance", answer.balance}});
            return;
          }
          next(ex, grant);
        } catch (...) {
          http::Router::answer_exception(ex, std::current_exception());
        }
      });
}

http::HttpError not_ready_error(Context& ctx, const ContentInfo& content) {
  http::HttpError e(409, "not_ready", "the content is " + content.status + ", not ready to play");
  e.with_field("status", content.status);
  if (content.status == "failed")
    e.with_field("reason", content.status_reason.empty() ? nlohmann::json(nullptr)
                                                         : nlohmann::json(content.status_reason));
  if (content.status == "processing") {
    if (auto p = ctx.progress.get(content.id)) {
      e.with_field("progress", p->percent);
      e.with_field("progress_message", p->message);
    }
  }
  e.with_header("Cache-Control", "no-store");
  if (content.status != "failed") e.with_header("Retry-After", "2");
  return e;
}

}  // namespace sg::streaming
