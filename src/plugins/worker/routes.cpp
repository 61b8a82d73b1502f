// /api/v1/jobs: read, list, retry and cancel jobs. Every route needs a signed-in caller; a
// job is visible to its owner (the wallet that enqueued work for itself) and to admins.
#include <streamgate/services/http.hpp>

#include "job_types.hpp"
#include "routes.hpp"
#include "sql/rest.hpp"
#include "sql/util.hpp"

namespace sg::worker {
namespace {

using http::Exchange;
using http::HttpError;

sg_http_identity require_identity(const Exchange& ex) {
  sg_http_identity id = ex.identity();
  if (!id.authenticated) throw HttpError(401, "unauthorized", "sign in to use the jobs API");
  return id;
}

std::string job_id_param(const Exchange& ex) {
  auto v = ex.path_param("id");
  if (!v || !sql::is_uuid(*v)) throw HttpError(400, "invalid_request", "id: must be a UUID");
  return sql::lower(*v);
}

bool may_see(const sg_http_identity& who, const JobRecord& job) {
  return who.is_admin || (job.owner && sql::lower(*job.owner) == sql::lower(who.address));
}

// The job `id` when `who` may see it; 404 / 403 otherwise. Blocking (the store).
JobRecord visible_job(Context* c, const sg_http_identity& who, const std::string& id) {
  auto job = c->store().get(id);
  if (!job) throw HttpError(404, "not_found", "no job " + id);
  if (!may_see(who, *job)) throw HttpError(403, "forbidden", "this job belongs to someone else");
  return *job;
}

}  // namespace

void add_routes(Context& ctx, http::Router& router) {
  Context* c = &ctx;
  Host h = ctx.host();

  router.add(SG_HTTP_GET, "/api/v1/jobs/{id}", [c, h](const Exchange& ex) {
    auto who = require_identity(ex);
    std::string id = job_id_param(ex);
    http::answer_later(h, ex, [c, who, id](const Exchange& e) {
      auto job = visible_job(c, who, id);
      e.respond_json(200, to_json(job));
    });
  });

  router.add(SG_HTTP_GET, "/api/v1/jobs", [c, h](const Exchange& ex) {
    auto who = require_identity(ex);
    sql::rest::check_query_params(ex, {"state", "type", "owner", "limit", "cursor"});
    ListQuery q;
    q.limit = sql::rest::parse_limit(ex);
    q.state = sql::rest::param(ex, "state");
    if (q.state && !valid_job_state(*q.state))
      throw HttpError(400, "invalid_request",
                      "state: must be one of queued, running, succeeded, dead, cancelled");
    q.type = sql::rest::param(ex, "type");
    if (q.type && !valid_job_type(*q.type))
      throw HttpError(400, "invalid_request", "type: must match [a-z0-9_.-]{1,64}");
    q.owner = sql::rest::param(ex, "owner");
    if (q.owner && !sql::is_address(*q.owner))
      throw HttpError(400, "invalid_request", "owner: must be 0x followed by 40 hex digits");
    if (!who.is_admin) {
      if (q.owner && sql::lower(*q.owner) != sql::lower(who.address))
        throw HttpError(403, "forbidden", "only admins may list other users' jobs");
      q.owner = std::string(who.address);
    }
    q.cursor = sql::rest::param(ex, "cursor");
    http::answer_later(h, ex, [c, q](const Exchange& e) {
      auto page = c->store().list(q);
      json items = json::array();
      for (const auto& j : page.items) items.push_back(to_json(j));
      e.respond_json(
          200, json{{"items", items},
                    {"next_cursor", page.next_cursor ? json(*page.next_cursor) : json(nullptr)}});
    });
  });

  router.add(SG_HTTP_POST, "/api/v1/jobs/{id}/retry", [c, h](const Exchange& ex) {
    auto who = require_identity(ex);
    std::string id = job_id_param(ex);
    http::answer_later(h, ex, [c, who, id](const Exchange& e) {
      auto job = visible_job(c, who, id);
      switch (c->store().retry(id)) {
        case RetryResult::not_found:
          throw HttpError(404, "not_found", "no job " + id);
        case RetryResult::not_retryable:
          throw HttpError(
              409, "conflict",
              "only dead or cancelled jobs can be retried (state is " + job.state + ")");
        case RetryResult::requeued:
          break;
      }
      c->runner().wake();
      e.respond_json(200, to_json(*c->store().get(id)));
    });
  });

  // POST .../cancel and DELETE /api/v1/jobs/{id} both cancel (DELETE for REST clients; the
  // record stays, in state "cancelled").
  auto cancel = [c, h](const Exchange& ex) {
    auto who = require_identity(ex);
    std::string id = job_id_param(ex);
    http::answer_later(h, ex, [c, who, id](const Exchange& e) {
      auto job = visible_job(c, who, id);
      switch (c->store().cancel(id)) {
        case CancelResult::not_found:
          throw HttpError(404, "not_found", "no job " + id);
        case CancelResult::finished:
          throw HttpError(409, "conflict", "job already finished (state is " + job.state + ")");
        case CancelResult::requested:
          c->runner().cancel_local(id);
          break;
        case CancelResult::cancelled:
          break;
      }
      e.respond_json(200, to_json(*c->store().get(id)));
    });
  };
  router.add(SG_HTTP_POST, "/api/v1/jobs/{id}/cancel", cancel);
  router.add(SG_HTTP_DELETE, "/api/v1/jobs/{id}", cancel);
}

}  // namespace sg::worker
