// /api/v1/webhooks: endpoints of the signed-in owner (admins: everyone's, plus read-only
// views of the global endpoints from the config file) and their delivery logs. Another
// owner's endpoint answers 404, as an unknown one does: ids of others are not confirmed.
#include <streamgate/services/http.hpp>

#include "net/address_policy.hpp"
#include "routes.hpp"
#include "sql/rest.hpp"
#include "sql/util.hpp"
#include "webhook_signature.hpp"
#include "webhook_topics.hpp"

namespace sg::worker {
namespace {

using http::Exchange;
using http::HttpError;

constexpr uint64_t kMaxBody = 16 * 1024;
constexpr size_t kMaxDescription = 500;

sg_http_identity require_identity(const Exchange& ex) {
  sg_http_identity id = ex.identity();
  if (!id.authenticated) throw HttpError(401, "unauthorized", "sign in to manage webhooks");
  return id;
}

std::string uuid_param(const Exchange& ex, const char* name) {
  auto v = ex.path_param(name);
  if (!v || !sql::is_uuid(*v))
    throw HttpError(400, "invalid_request", std::string(name) + ": must be a UUID");
  return sql::lower(*v);
}

nlohmann::json global_json(const GlobalEndpoint& g) {
  return nlohmann::json{{"id", g.id},
                        {"owner", nullptr},
                        {"url", g.url.text},
                        {"topics", g.topics},
                        {"description", g.description},
                        {"enabled", true},
                        {"global", true}};
}

// Checks a URL for an endpoint: 422 invalid_url for a malformed one, 422
// target_not_allowed for an IP literal the address policy refuses anyway (names are
// checked when delivering, since what they resolve to may change).
std::string checked_url(const nlohmann::json& v, const WebhooksConfig& config) {
  if (!v.is_string()) throw HttpError(400, "invalid_request", "url: must be a string");
  auto u = parse_webhook_url(v.get<std::string>());
  if (!u) throw HttpError(422, "invalid_url", "url: " + u.error());
  if (u->ip_literal && !config.allow_private_targets) {
    auto reason = net::non_public_reason(*net::parse_ip(u->host));
    if (reason)
      throw HttpError(422, "target_not_allowed",
                      "url: " + u->host + " is a " + *reason +
                          " address; webhooks only reach public addresses");
  }
  return u->text;
}

std::vector<std::string> checked_topics(const nlohmann::json& v) {
  auto t = parse_topic_filter(v);
  if (!t) throw HttpError(422, "invalid_topics", "topics: " + t.error());
  return t.value();
}

std::string checked_description(const nlohmann::json& v) {
  if (!v.is_string()) throw HttpError(400, "invalid_request", "description: must be a string");
  std::string d = v.get<std::string>();
  if (d.size() > kMaxDescription)
    throw HttpError(422, "invalid_description", "description: at most 500 bytes");
  return d;
}

nlohmann::json object_body(const Exchange& ex, std::initializer_list<const char*> allowed) {
  auto body = ex.json_body();
  if (!body.is_object()) throw HttpError(400, "invalid_request", "body: must be a JSON object");
  for (auto it = body.begin(); it != body.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (!ok) throw HttpError(400, "invalid_request", it.key().substr(0, 64) + ": unknown field");
  }
  return body;
}

// The endpoint `id` when `who` may see it. Global endpoints are admin-only. Blocking.
struct Visible {
  std::optional<EndpointRecord> owned;
  const GlobalEndpoint* global = nullptr;
};
Visible visible_endpoint(Webhooks& hooks, const sg_http_identity& who, const std::string& id) {
  Visible v;
  if (const GlobalEndpoint* g = hooks.global_endpoint(id); g != nullptr && who.is_admin) {
    v.global = g;
    return v;
  }
  auto e = hooks.store().endpoint(id);
  if (!e || (!who.is_admin && sql::lower(e->owner) != sql::lower(who.address)))
    throw HttpError(404, "not_found", "no webhook endpoint " + id);
  v.owned = std::move(e);
  return v;
}

EndpointRecord owned_endpoint(Webhooks& hooks, const sg_http_identity& who, const std::string& id) {
  auto v = visible_endpoint(hooks, who, id);
  if (v.global)
    throw HttpError(409, "read_only",
                    "this endpoint is configured in the config file "
                    "(plugins.worker.webhooks.endpoints); change it there");
  return *v.owned;
}

nlohmann::json page_json(nlohmann::json items, const std::optional<std::string>& next) {
  return nlohmann::json{{"items", std::move(items)},
                        {"next_cursor", next ? nlohmann::json(*next) : nlohmann::json(nullptr)}};
}

}  // namespace

void add_webhook_routes(Context& ctx, http::Router& router) {
  Webhooks* hooks = ctx.webhooks();
  if (hooks == nullptr) return;
  Host h = ctx.host();
  const WebhooksConfig* config = &hooks->config();

  router.add({SG_HTTP_POST, "/api/v1/webhooks", SG_HTTP_BODY_BUFFER, kMaxBody},
             [hooks, h, config](const Exchange& ex) {
               auto who = require_identity(ex);
               auto body = object_body(ex, {"url", "topics", "description", "enabled"});
               if (!body.contains("url")) throw HttpError(400, "invalid_request", "url: required");
               if (!body.contains("topics"))
                 throw HttpError(400, "invalid_request", "topics: required");
               EndpointRecord e;
               e.id = sql::uuid_v4();
               e.owner = who.address;
               e.url = checked_url(body["url"], *config);
               e.topics = checked_topics(body["topics"]);
               if (body.contains("description"))
                 e.description = checked_description(body["description"]);
               if (body.contains("enabled")) {
                 if (!body["enabled"].is_boolean())
                   throw HttpError(400, "invalid_request", "enabled: must be true or false");
                 e.enabled = body["enabled"].get<bool>();
               }
               e.secret = generate_webhook_secret();
               http::answer_later(h, ex, [hooks, config, e](const Exchange& x) mutable {
                 if (hooks->store().count_endpoints(e.owner) >= config->max_endpoints_per_owner)
                   throw HttpError(409, "too_many_endpoints",
                                   "at most " + std::to_string(config->max_endpoints_per_owner) +
                                       " webhook endpoints per owner")
                       .with_field("limit", config->max_endpoints_per_owner);
                 e.created_at = e.updated_at = sql::now_ms();
                 hooks->store().create_endpoint(e);
                 x.respond_json(201, to_json(e, true), {{"Location", "/api/v1/webhooks/" + e.id}});
               });
             });

  router.add(SG_HTTP_GET, "/api/v1/webhooks", [hooks, h](const Exchange& ex) {
    auto who = require_identity(ex);
    sql::rest::check_query_params(ex, {"limit", "cursor"});
    int64_t limit = sql::rest::parse_limit(ex);
    auto cursor = sql::rest::param(ex, "cursor");
    if (cursor && !sql::decode_cursor(*cursor))
      throw HttpError(400, "invalid_request", "cursor: invalid");
    http::answer_later(h, ex, [hooks, who, limit, cursor](const Exchange& x) {
      std::optional<std::string> owner;
      if (!who.is_admin) owner = std::string(who.address);
      std::optional<std::string> next;
      auto list = hooks->store().list_endpoints(owner, limit, cursor, &next);
      nlohmann::json items = nlohmann::json::array();
      for (const auto& e : list) items.push_back(to_json(e, false));
      auto out = page_json(std::move(items), next);
      if (who.is_admin) {
        nlohmann::json globals = nlohmann::json::array();
        for (const auto& g : hooks->config().endpoints) globals.push_back(global_json(g));
        out["global"] = std::move(globals);
      }
      x.respond_json(200, out);
    });
  });

  router.add(SG_HTTP_GET, "/api/v1/webhooks/{id}", [hooks, h](const Exchange& ex) {
    auto who = require_identity(ex);
    std::string id = uuid_param(ex, "id");
    http::answer_later(h, ex, [hooks, who, id](const Exchange& x) {
      auto v = visible_endpoint(*hooks, who, id);
      x.respond_json(200, v.global ? global_json(*v.global) : to_json(*v.owned, false));
    });
  });

  router.add({SG_HTTP_PATCH, "/api/v1/webhooks/{id}", SG_HTTP_BODY_BUFFER, kMaxBody},
             [hooks, h, config](const Exchange& ex) {
               auto who = require_identity(ex);
               std::string id = uuid_param(ex, "id");
               auto body = object_body(ex, {"url", "topics", "description", "enabled"});
               EndpointChange change;
               if (body.contains("url")) change.url = checked_url(body["url"], *config);
               if (body.contains("topics")) change.topics = checked_topics(body["topics"]);
               if (body.contains("description"))
                 change.description = checked_description(body["description"]);
               if (body.contains("enabled")) {
                 if (!body["enabled"].is_boolean())
                   throw HttpError(400, "invalid_request", "enabled: must be true or false");
                 change.enabled = body["enabled"].get<bool>();
               }
               http::answer_later(h, ex, [hooks, who, id, change](const Exchange& x) {
                 owned_endpoint(*hooks, who, id);
                 if (!hooks->store().update_endpoint(id, change))
                   throw HttpError(404, "not_found", "no webhook endpoint " + id);
                 x.respond_json(200, to_json(*hooks->store().endpoint(id), false));
               });
             });

  router.add(SG_HTTP_DELETE, "/api/v1/webhooks/{id}", [hooks, h](const Exchange& ex) {
    auto who = require_identity(ex);
    std::string id = uuid_param(ex, "id");
    http::answer_later(h, ex, [hooks, who, id](const Exchange& x) {
      owned_endpoint(*hooks, who, id);
      if (!hooks->store().delete_endpoint(id))
        throw HttpError(404, "not_found", "no webhook endpoint " + id);
      x.respond(204, "");
    });
  });

  router.add(SG_HTTP_POST, "/api/v1/webhooks/{id}/rotate-secret", [hooks, h](const Exchange& ex) {
    auto who = require_identity(ex);
    std::string id = uuid_param(ex, "id");
    std::string secret = generate_webhook_secret();
    http::answer_later(h, ex, [hooks, who, id, secret](const Exchange& x) {
      owned_endpoint(*hooks, who, id);
      if (!hooks->store().set_secret(id, secret))
        throw HttpError(404, "not_found", "no webhook endpoint " + id);
      x.respond_json(200, to_json(*hooks->store().endpoint(id), true));
    });
  });

  router.add(SG_HTTP_GET, "/api/v1/webhooks/{id}/deliveries", [hooks, h](const Exchange& ex) {
    auto who = require_identity(ex);
    std::string id = uuid_param(ex, "id");
    sql::rest::check_query_params(ex, {"limit", "cursor"});
    int64_t limit = sql::rest::parse_limit(ex);
    auto cursor = sql::rest::param(ex, "cursor");
    if (cursor && !sql::decode_cursor(*cursor))
      throw HttpError(400, "invalid_request", "cursor: invalid");
    http::answer_later(h, ex, [hooks, who, id, limit, cursor](const Exchange& x) {
      visible_endpoint(*hooks, who, id);
      std::optional<std::string> next;
      auto list = hooks->store().list_deliveries(id, limit, cursor, &next);
      nlohmann::json items = nlohmann::json::array();
      for (const auto& d : list) items.push_back(to_json(d));
      x.respond_json(200, page_json(std::move(items), next));
    });
  });

  router.add(SG_HTTP_GET, "/api/v1/webhooks/{id}/deliveries/{delivery_id}",
             [hooks, h](const Exchange& ex) {
               auto who = require_identity(ex);
               std::string id = uuid_param(ex, "id");
               std::string delivery_id = uuid_param(ex, "delivery_id");
               http::answer_later(h, ex, [hooks, who, id, delivery_id](const Exchange& x) {
                 visible_endpoint(*hooks, who, id);
                 auto d = hooks->store().delivery(delivery_id);
                 if (!d || d->endpoint_id != id)
                   throw HttpError(404, "not_found", "no delivery " + delivery_id);
                 auto out = to_json(*d);
                 nlohmann::json attempts = nlohmann::json::array();
                 for (const auto& a : hooks->store().attempts(delivery_id))
                   attempts.push_back(to_json(a));
                 out["attempt_log"] = std::move(attempts);
                 out["body"] = nlohmann::json::parse(d->body, nullptr, false).is_discarded()
                                   ? nlohmann::json(d->body)
                                   : nlohmann::json::parse(d->body);
                 x.respond_json(200, out);
               });
             });

  router.add(SG_HTTP_POST, "/api/v1/webhooks/{id}/deliveries/{delivery_id}/resend",
             [hooks, h](const Exchange& ex) {
               auto who = require_identity(ex);
               std::string id = uuid_param(ex, "id");
               std::string delivery_id = uuid_param(ex, "delivery_id");
               http::answer_later(h, ex, [hooks, who, id, delivery_id](const Exchange& x) {
                 visible_endpoint(*hooks, who, id);
                 auto d = hooks->store().delivery(delivery_id);
                 if (!d || d->endpoint_id != id)
                   throw HttpError(404, "not_found", "no delivery " + delivery_id);
                 auto series = hooks->store().restart(delivery_id);
                 if (!series)
                   throw HttpError(409, "conflict",
                                   "the delivery is still pending; resend it once it has been "
                                   "delivered or has failed");
                 hooks->enqueue_delivery(delivery_id, *series);
                 x.respond_json(202, to_json(*hooks->store().delivery(delivery_id)));
               });
             });
}

}  // namespace sg::worker
