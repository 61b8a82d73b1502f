// /api/v1/content: create, read, partial update, delete, list/search. Writes need a signed-in
// caller and only the owner may change or delete; every database call runs on the blocking
// pool and answers later.
#include <streamgate/services/http.hpp>

#include "routes.hpp"
#include "sql/rest.hpp"
#include "sql/util.hpp"

namespace sg::metadata {
namespace {

using http::Exchange;
using http::HttpError;

constexpr uint64_t kMaxBody = 64 * 1024;

std::string require_signed_in(const Exchange& ex) {
  sg_http_identity id = ex.identity();
  if (!id.authenticated) throw HttpError(401, "unauthorized", "sign in to change content");
  return id.address;
}

bool signed_in(const Exchange& ex) {
  return ex.identity().authenticated != 0;
}

// Answers a packed record (pack_record) under the one visibility rule; false when `packed`
// is not one (an entry written by an older version: treat as a miss).
bool answer_record(const Exchange& ex, std::string_view packed, bool viewer_signed_in) {
  auto record = unpack_record(packed);
  if (!record) return false;
  if (!metadata_visible(record->visibility, viewer_signed_in))
    ex.respond_error(401, "unauthorized", "sign in to see this content");
  else
    ex.respond(200, record->json_body, {{"Content-Type", "application/json"}});
  return true;
}

std::string id_param(const Exchange& ex) {
  auto v = ex.path_param("id");
  if (!v || !sql::is_uuid(*v)) throw HttpError(400, "invalid_request", "id: must be a UUID");
  return sql::lower(*v);
}

json object_body(const Exchange& ex) {
  json b = ex.json_body();  // 400 invalid_json when malformed
  if (!b.is_object()) throw HttpError(400, "invalid_request", "body: must be a JSON object");
  return b;
}

// GET /api/v1/content/{id} through get_json on the blocking pool (answers 404/503 itself).
void get_from_pool(Context* c, Host h, const Exchange& ex, const std::string& id,
                   std::string known_token = {}) {
  http::answer_later(h, ex, [c, id, known_token = std::move(known_token)](const Exchange& e) {
    auto body = c->get_json(id, known_token);
    if (!body) throw HttpError(404, "not_found", "no content " + id);
    if (!answer_record(e, *body, signed_in(e)))
      throw Error(SG_ERR_INTERNAL, "content " + id + ": malformed record");
  });
}

}  // namespace

void add_routes(Context& ctx, http::Router& router) {
  Context* c = &ctx;
  Host h = ctx.host();

  router.add(http::RouteSpec{SG_HTTP_POST, "/api/v1/content", SG_HTTP_BODY_BUFFER, kMaxBody},
             [c, h](const Exchange& ex) {
               std::string who = require_signed_in(ex);
               json body = object_body(ex);
               http::answer_later(h, ex, [c, who, body](const Exchange& e) {
                 e.respond_json(201, to_json(c->create(who, body, Writer::rest)));
               });
             });

  router.add(SG_HTTP_GET, "/api/v1/content/{id}", [c, h](const Exchange& ex) {
    std::string id = id_param(ex);
    // Metadata follows metadata_visible() (signed_in records need a signed-in caller); gating
    // the media is the streaming plugin's job. The body is answered as stored: a cache hit is
    // not re-parsed.
    // A hit is answered without the blocking pool when the cache can look up without blocking
    // (on this network thread for the memory backend, on the cache's pipelining thread for
    // Redis); a miss, or a cache that cannot, reads the database on the pool.
    if (c->cache() && c->cache()->can_lookup_async()) {
      c->cache()->lookup_async(id, [c, h, ex, id](ContentCache::QuickLookup r) {
        if (r.body && answer_record(ex, *r.body, signed_in(ex))) return;
        get_from_pool(c, h, ex, id, std::move(r.token));  // the miss: no second cache read
      });
      return;
    }
    get_from_pool(c, h, ex, id);
  });

  router.add(http::RouteSpec{SG_HTTP_PATCH, "/api/v1/content/{id}", SG_HTTP_BODY_BUFFER, kMaxBody},
             [c, h](const Exchange& ex) {
               std::string who = require_signed_in(ex);
               std::string id = id_param(ex);
               json body = object_body(ex);
               http::answer_later(h, ex, [c, who, id, body](const Exchange& e) {
                 e.respond_json(200, to_json(c->patch(id, body, Writer::rest, who)));
               });
             });

  router.add(SG_HTTP_DELETE, "/api/v1/content/{id}", [c, h](const Exchange& ex) {
    std::string who = require_signed_in(ex);
    std::string id = id_param(ex);
    http::answer_later(h, ex, [c, who, id](const Exchange& e) {
      c->remove(id, who);
      e.respond(204, "");
    });
  });

  router.add(SG_HTTP_GET, "/api/v1/content", [c, h](const Exchange& ex) {
    sql::rest::check_query_params(ex,
                                  {"owner", "status", "tag", "visibility", "q", "limit", "cursor"});
    ListQuery q;
    q.limit = sql::rest::parse_limit(ex);
    q.owner = sql::rest::param(ex, "owner");
    if (q.owner && !sql::is_address(*q.owner))
      throw HttpError(400, "invalid_request", "owner: must be 0x followed by 40 hex digits");
    q.status = sql::rest::param(ex, "status");
    if (q.status && !valid_status(*q.status))
      throw HttpError(400, "invalid_request",
                      "status: must be one of uploading, processing, ready, failed");
    q.visibility = sql::rest::param(ex, "visibility");
    if (q.visibility && !valid_visibility(*q.visibility))
      throw HttpError(400, "invalid_request",
                      "visibility: must be one of public, signed_in, token_gated");
    q.tag = sql::rest::param(ex, "tag");
    if (q.tag && (q.tag->empty() || utf8_length(*q.tag) > kMaxTagLength))
      throw HttpError(400, "invalid_request", "tag: must be 1 to 50 characters");
    q.q = sql::rest::param(ex, "q");
    if (q.q && (q.q->empty() || utf8_length(*q.q) > 200))
      throw HttpError(400, "invalid_request", "q: must be 1 to 200 characters");
    q.cursor = sql::rest::param(ex, "cursor");
    // The same rule as GET by id, with or without filters: an anonymous caller never sees
    // signed_in records, whoever owns them.
    q.viewer_signed_in = signed_in(ex);
    http::answer_later(h, ex, [c, q](const Exchange& e) {
      auto page = c->store().list(q);
      json items = json::array();
      for (const auto& record : page.items) items.push_back(to_json(record));
      e.respond_json(
          200, json{{"items", items},
                    {"next_cursor", page.next_cursor ? json(*page.next_cursor) : json(nullptr)}});
    });
  });
}

}  // namespace sg::metadata
