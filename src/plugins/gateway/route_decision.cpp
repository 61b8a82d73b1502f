#include "route_decision.hpp"

#include <algorithm>

#include "http_method.hpp"
#include "request_identity.hpp"

namespace sg::gateway {
namespace {

RouteDecision reply(GatewayError e) {
  RouteDecision d;
  d.next = RouteDecision::kReply;
  d.error = std::move(e);
  return d;
}

constexpr std::size_t kBodyReserve = 64 * 1024;  // a BUFFER body of unknown length

}  // namespace

GatewayError body_too_large(std::uint64_t limit) {
  return GatewayError{413, "body_too_large",
                      "request body exceeds the limit of " + std::to_string(limit) + " bytes",
                      true};
}

RouteDecision decide_route(Context& ctx, Exchange& ex) {
  const bool body = has_body(ex);
  PathSegments segs = split_path(ex.raw_path);
  if (segs.too_many) return reply({414, "uri_too_long", "too many path segments", body});
  auto routes = ctx.routes.snapshot();
  Match m = RouteTable::match(routes, ex.method, segs, ex.params);
  if (!m.route) {
    if (m.bad_encoding)
      return reply({400, "bad_request", "malformed percent-encoding in path", body});
    if (m.allowed == 0) return reply({404, "not_found", "no route for this path", body});
    GatewayError e{405, "method_not_allowed", "method not allowed for this path", body};
    e.allow = allow_header(m.allowed, ctx.cors.enabled());
    return reply(std::move(e));
  }
  ex.route = std::move(m.route);
  const Route& route = *ex.route;

  RouteDecision d;
  const std::uint64_t limit =
      route.max_body_bytes != 0 ? route.max_body_bytes : ctx.cfg.limits.max_body_bytes;
  if (route.body_mode == SG_HTTP_BODY_NONE && body)
    return reply({413, "body_not_allowed", "this route takes no request body", true});
  if (route.body_mode != SG_HTTP_BODY_NONE) {
    d.body_limit = limit;
    if (limit != 0 && ex.content_length > 0 &&
        static_cast<std::uint64_t>(ex.content_length) > limit) {
      RouteDecision r = reply(body_too_large(limit));
      r.body_limit = limit;
      return r;
    }
    if (limit != 0) ex.parser.body_limit(limit);
  }

  if (auto refused = identify_request(ctx, ex)) {
    RouteDecision r = reply(std::move(*refused));
    r.body_limit = d.body_limit;
    return r;
  }

  if (route.body_mode == SG_HTTP_BODY_BUFFER && body) {
    // Reserve what was declared, capped: a client could declare much and send nothing.
    ex.body.reserve(std::min<std::size_t>(
        ex.content_length > 0 ? static_cast<std::size_t>(ex.content_length) : kBodyReserve,
        1 << 20));
    d.next = RouteDecision::kReadBody;
    return d;
  }
  d.next = RouteDecision::kCallHandler;
  return d;
}

}  // namespace sg::gateway
