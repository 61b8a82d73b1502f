// tus 1.0.0 (core + creation, creation-defer-length, creation-with-upload, expiration,
// checksum, termination, concatenation) over the gateway's http service.
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "body_pump.hpp"
#include "completion.hpp"
#include "routes.hpp"
#include "tus_headers.hpp"

namespace sg::upload {
namespace {

using Headers = std::vector<http::Header>;

Headers tus_base() {
  return {{"Tus-Resumable", "1.0.0"}};
}

std::string location_of(const Context& ctx, const std::string& id) {
  return ctx.config.public_base + "/files/" + id;
}

// Version check for every request but OPTIONS (412 + Tus-Version).
void check_version(const http::Exchange& ex) {
  auto v = ex.header("Tus-Resumable");
  if (!v || trim(*v) != kTusVersion)
    throw tus_error(fail(412, "unsupported_tus_version", "Tus-Resumable must be 1.0.0"));
}

void add_state_headers(Headers& h, const UploadView& v) {
  if (v.expires_at != 0) h.push_back({"Upload-Expires", http_date(v.expires_at)});
}

void add_completion_headers(Headers& h, const std::string& id, const CompletionResult& c) {
  if (c.state == "uploading") return;
  h.push_back({"StreamGate-Content-Id", id});
  h.push_back({"StreamGate-Upload-State", c.state});
}

// Undoes a creation that does not end in 201 (refused, failed, or threw): the client never
// learned the Location, so nothing of it may stay behind — no upload directory or record,
// no content record.
class CreationRollback {
 public:
  explicit CreationRollback(Context& ctx) : ctx_(&ctx) {}
  CreationRollback(const CreationRollback&) = delete;
  CreationRollback& operator=(const CreationRollback&) = delete;
  ~CreationRollback() { run(); }

  // Undoes now (before the error answer, so that a client never sees leftovers).
  void run() {
    undo(ctx_, id, upload_made, content_made);
    dismiss();
  }

  // Hands the undo over to an asynchronous continuation (the creation body's end).
  std::function<void()> hand_over() {
    std::function<void()> f = [c = ctx_, id = id, u = upload_made, m = content_made] {
      undo(c, id, u, m);
    };
    dismiss();
    return f;
  }
  void dismiss() { upload_made = content_made = false; }

  std::string id;
  bool upload_made = false;
  bool content_made = false;

 private:
  static void undo(Context* ctx, const std::string& id, bool upload, bool content) {
    if (upload) {
      if (auto st = ctx->store->remove(id); !st)
        ctx->host.warn("upload " + id +
                       ": not removed after a failed creation: " + st.error().what());
    }
    if (content) delete_content_record(*ctx, id);
  }

  Context* ctx_;
};

bool has_body(const http::Exchange& ex) {
  int64_t cl = ex.content_length();
  return cl > 0 || (cl < 0 && ex.header("Transfer-Encoding").has_value());
}

// Streams the request body into the upload, then answers `status` (204 PATCH, 201 POST).
// `undo` (creation only) runs when the body fails: the answer then carries no Location.
void stream_into(Context& ctx, const http::Exchange& ex, const std::string& id, uint64_t offset,
                 std::optional<ChecksumSpec> checksum, int status, Headers extra,
                 std::function<void()> undo = {}) {
  auto session = ctx.store->begin_write(id, offset, checksum, now_seconds());
  if (!session) {
    if (undo) undo();
    ex.respond_error(tus_error(session.error()));
    return;
  }
  std::shared_ptr<WriteSession> ws(std::move(session.value()));
  bool checksummed = checksum.has_value();
  Context* c = &ctx;
  pump_body(
      ctx.writer_slots, ex, ctx.pump_buffers,
      [ws, c](std::string_view data) {
        // A deferred-length upload has no Upload-Length to stop it: hold it to max_size.
        if (!ws->length() && ws->position() + data.size() > c->config.max_size)
          return Status(
              fail(413, "upload_too_large",
                   "uploads are limited to " + std::to_string(c->config.max_size) + " bytes",
                   static_cast<long long>(c->config.max_size)));
        Status st = ws->write(data);
        if (st) c->bytes_received.add(static_cast<double>(data.size()));
        return st;
      },
      [ws, c, ex, id, status, checksummed, extra = std::move(extra),
       undo = std::move(undo)](Status st) mutable {
        if (!st) {
          // A body cut short by the transport (client gone 499, idle 408, server shutting
          // down 503) keeps what arrived, unless the chunk was checksummed (all or nothing);
          // a refused body (413, storage error) discards this request's uncommitted part.
          int code = st.error().status();
          ws->abandon(!checksummed && (code == 499 || code == 408 || code == 503));
          if (undo) undo();
          ex.respond_error(tus_error(st.error()));
          return;
        }
        auto off = ws->finish();
        if (!off) {
          if (undo) undo();
          ex.respond_error(tus_error(off.error()));
          return;
        }
        Headers h = tus_base();
        h.insert(h.end(), extra.begin(), extra.end());
        h.push_back({"Upload-Offset", std::to_string(off.value())});
        auto view = c->store->get(id);
        if (view) {
          add_state_headers(h, view.value());
          if (view->complete()) add_completion_headers(h, id, complete_upload(*c, id));
        }
        ex.respond(status, "", h);
      });
}

void handle_options(Context& ctx, const http::Exchange& ex) {
  Headers h{{"Tus-Resumable", "1.0.0"},
            {"Tus-Version", std::string(kTusVersion)},
            {"Tus-Extension", std::string(kTusExtensions)},
            {"Tus-Max-Size", std::to_string(ctx.config.max_size)},
            {"Tus-Checksum-Algorithm", std::string(kTusChecksumAlgorithms)}};
  ex.respond(204, "", h);
}

// A final upload: parts checked and reserved under the creation lock, limits checked on
// their total BEFORE any byte is copied, the copy itself outside the lock (other creations
// go on), then installed under the lock.
Result<UploadView> create_final(Context& ctx, UploadRecord& rec, CreationRollback& rollback) {
  std::unique_ptr<ConcatJob> job;
  {
    std::lock_guard lock(ctx.create_mu);
    auto begun = ctx.store->begin_concat(rec, now_seconds());
    if (!begun) return begun.error();
    job = std::move(begun.value());
    rec = job->record();
    // The reservation already counts the total under the owner, and the parts still count
    // too: the copy needs room for both until the parts are removed.
    if (auto lim = check_limits(ctx, rec.owner, job->total(), job->total()); !lim)
      return lim.error();
    if (auto st = create_content_record(ctx, rec); !st) return st.error();
    rollback.content_made = true;
  }
  if (auto st = job->copy(); !st) return st.error();
  std::lock_guard lock(ctx.create_mu);
  return job->install();
}

// The pool part of POST /files/: content record, then the upload (or the concatenation).
void create_upload(Context& ctx, const http::Exchange& ex, UploadRecord rec, bool body,
                   std::optional<ChecksumSpec> checksum) {
  CreationRollback rollback(ctx);
  // The content record comes first (under the upload's future id): metadata the catalogue
  // refuses must fail the creation before anything irreversible, in particular before a
  // concatenation consumes its partial uploads.
  rec.id = new_upload_id();
  rollback.id = rec.id;
  bool content = rec.concat != ConcatKind::partial;
  rec.has_content = content && static_cast<bool>(ctx.metadata);
  Result<UploadView> created = fail(500, "internal_error", "not created");
  if (rec.concat == ConcatKind::final_upload) {
    created = create_final(ctx, rec, rollback);
  } else {
    std::lock_guard lock(ctx.create_mu);
    if (auto lim = check_limits(ctx, rec.owner, rec.length); !lim) {
      created = lim.error();
    } else if (auto st = content ? create_content_record(ctx, rec) : ok_status(); !st) {
      created = st.error();
    } else {
      rollback.content_made = content;
      created = ctx.store->create(rec, now_seconds());
    }
  }
  if (!created) {
    rollback.run();
    ex.respond_error(tus_error(created.error()));
    return;
  }
  rollback.upload_made = true;
  UploadRecord stored = created->record;
  ctx.uploads_created.add();
  Headers extra{{"Location", location_of(ctx, stored.id)}};
  if (body)
    return stream_into(ctx, ex, stored.id, 0, checksum, 201, std::move(extra),
                       rollback.hand_over());
  rollback.dismiss();
  Headers h = tus_base();
  h.insert(h.end(), extra.begin(), extra.end());
  h.push_back({"Upload-Offset", std::to_string(created->offset)});
  add_state_headers(h, created.value());
  if (created->complete()) add_completion_headers(h, stored.id, complete_upload(ctx, stored.id));
  ex.respond(201, "", h);
}

void handle_create(Context& ctx, const http::Exchange& ex) {
  check_version(ex);
  auto owner = uploader(ctx, ex);
  if (!owner) throw tus_error(owner.error());

  UploadRecord rec;
  rec.owner = owner.value();
  ConcatSpec concat;
  if (auto h = ex.header("Upload-Concat")) {
    auto c = parse_concat(*h);
    if (!c) throw tus_error(c.error());
    concat = c.value();
  }
  auto len_header = ex.header("Upload-Length");
  auto defer_header = ex.header("Upload-Defer-Length");
  if (concat.final_upload) {
    if (len_header || defer_header)
      throw tus_error(fail(400, "invalid_header", "a final upload must not carry Upload-Length"));
    if (has_body(ex)) throw tus_error(fail(400, "invalid_request", "a final upload takes no body"));
  } else if (len_header && defer_header) {
    throw tus_error(
        fail(400, "invalid_header", "send Upload-Length or Upload-Defer-Length, not both"));
  } else if (len_header) {
    auto n = parse_size_header("Upload-Length", *len_header);
    if (!n) throw tus_error(n.error());
    rec.length = n.value();
  } else if (defer_header) {
    if (trim(*defer_header) != "1")
      throw tus_error(fail(400, "invalid_header", "Upload-Defer-Length must be 1"));
  } else {
    throw tus_error(
        fail(400, "invalid_header", "Upload-Length or Upload-Defer-Length is required"));
  }
  if (auto m = ex.header("Upload-Metadata")) {
    auto meta = parse_metadata(*m);
    if (!meta) throw tus_error(meta.error());
    rec.metadata = std::move(meta.value());
    rec.metadata_header = std::string(trim(*m));
  }
  rec.concat = concat.partial        ? ConcatKind::partial
               : concat.final_upload ? ConcatKind::final_upload
                                     : ConcatKind::none;
  rec.parts = concat.parts;

  // creation-with-upload: the body is the first chunk.
  bool body = has_body(ex);
  std::optional<ChecksumSpec> checksum;
  if (body) {
    auto ct = ex.header("Content-Type");
    if (!ct || trim(*ct) != kOffsetOctetStream)
      throw tus_error(fail(415, "unsupported_media_type",
                           "a creation body needs Content-Type: application/offset+octet-stream"));
    if (auto cs = ex.header("Upload-Checksum")) {
      auto spec = parse_checksum(*cs);
      if (!spec) throw tus_error(spec.error());
      checksum = spec.value();
    }
    if (rec.length && ex.content_length() > 0 &&
        static_cast<uint64_t>(ex.content_length()) > *rec.length)
      throw tus_error(fail(413, "upload_length_exceeded", "the body is larger than Upload-Length",
                           static_cast<long long>(*rec.length)));
  }
  if (auto lim = check_limits(ctx, rec.owner, rec.length); !lim) throw tus_error(lim.error());

  on_pool(ctx, ex, true, [&ctx, ex, rec = std::move(rec), body, checksum]() mutable {
    try {
      create_upload(ctx, ex, std::move(rec), body, checksum);
    } catch (const std::exception& e) {
      // Rolled back already (CreationRollback); answer rather than drop the exchange.
      ctx.host.error(std::string("upload creation failed: ") + e.what());
      ex.respond_error(tus_error(fail(500, "internal_error", "the upload could not be created")));
    }
  });
}

void handle_head(Context& ctx, const http::Exchange& ex) {
  check_version(ex);
  auto v = owned_upload(ctx, ex);
  if (!v) throw tus_error(v.error());
  if (v->expires_at != 0 && v->expires_at <= now_seconds())
    throw tus_error(fail(410, "upload_expired", "the upload has expired"));
  Headers h = tus_base();
  h.push_back({"Cache-Control", "no-store"});
  h.push_back({"Upload-Offset", std::to_string(v->offset)});
  if (v->record.length)
    h.push_back({"Upload-Length", std::to_string(*v->record.length)});
  else
    h.push_back({"Upload-Defer-Length", "1"});
  if (!v->record.metadata_header.empty())
    h.push_back({"Upload-Metadata", v->record.metadata_header});
  if (v->record.concat == ConcatKind::partial) h.push_back({"Upload-Concat", "partial"});
  if (v->record.concat == ConcatKind::final_upload) {
    std::string parts = "final;";
    for (size_t i = 0; i < v->record.parts.size(); ++i)
      parts += (i ? " /files/" : "/files/") + v->record.parts[i];
    h.push_back({"Upload-Concat", parts});
  }
  add_state_headers(h, v.value());
  if (v->record.state != "uploading")
    add_completion_headers(h, v->record.id,
                           CompletionResult{v->record.state, v->record.failure, "", nullptr});
  ex.respond(200, "", h);
}

void handle_patch(Context& ctx, const http::Exchange& ex) {
  check_version(ex);
  auto v = owned_upload(ctx, ex);
  if (!v) throw tus_error(v.error());
  if (v->record.concat == ConcatKind::final_upload)
    throw tus_error(fail(403, "final_upload", "a final (concatenated) upload cannot be patched"));
  if (v->expires_at != 0 && v->expires_at <= now_seconds())
    throw tus_error(fail(410, "upload_expired", "the upload has expired"));
  if (v->record.state != "uploading" || v->complete())
    throw tus_error(fail(409, "upload_complete", "the upload is already complete"));
  auto ct = ex.header("Content-Type");
  if (!ct || trim(*ct) != kOffsetOctetStream)
    throw tus_error(fail(415, "unsupported_media_type",
                         "PATCH needs Content-Type: application/offset+octet-stream"));
  auto off_header = ex.header("Upload-Offset");
  if (!off_header) throw tus_error(fail(400, "invalid_header", "Upload-Offset is required"));
  auto offset = parse_size_header("Upload-Offset", *off_header);
  if (!offset) throw tus_error(offset.error());
  std::optional<ChecksumSpec> checksum;
  if (auto cs = ex.header("Upload-Checksum")) {
    auto spec = parse_checksum(*cs);
    if (!spec) throw tus_error(spec.error());
    checksum = spec.value();
  }
  std::optional<uint64_t> new_length;
  if (auto lh = ex.header("Upload-Length")) {
    auto n = parse_size_header("Upload-Length", *lh);
    if (!n) throw tus_error(n.error());
    if (!v->record.length) {
      if (auto lim = check_limits(ctx, v->record.owner, n.value(), v->offset); !lim)
        throw tus_error(lim.error());
    }
    new_length = n.value();
  }
  std::optional<uint64_t> length = new_length ? new_length : v->record.length;
  if (offset.value() != v->offset)
    throw tus_error(fail(409, "offset_mismatch",
                         "Upload-Offset " + std::to_string(offset.value()) +
                             " does not match the current offset " + std::to_string(v->offset)));
  int64_t cl = ex.content_length();
  if (length && cl > 0 && static_cast<uint64_t>(cl) > *length - offset.value())
    throw tus_error(fail(413, "upload_length_exceeded", "the body goes past Upload-Length",
                         static_cast<long long>(*length)));
  if (!length && cl > 0 && offset.value() + static_cast<uint64_t>(cl) > ctx.config.max_size)
    throw tus_error(fail(413, "upload_too_large",
                         "uploads are limited to " + std::to_string(ctx.config.max_size) + " bytes",
                         static_cast<long long>(ctx.config.max_size)));
  std::string id = v->record.id;
  on_pool(ctx, ex, true, [&ctx, ex, id, offset = offset.value(), checksum, new_length] {
    if (new_length) {
      if (auto st = ctx.store->set_length(id, *new_length); !st) {
        ex.respond_error(tus_error(st.error()));
        return;
      }
    }
    stream_into(ctx, ex, id, offset, checksum, 204, {});
  });
}

void handle_delete(Context& ctx, const http::Exchange& ex) {
  check_version(ex);
  auto v = owned_upload(ctx, ex);
  if (!v) throw tus_error(v.error());
  std::string id = v->record.id;
  bool drop_content = v->record.has_content && v->record.state == "uploading";
  on_pool(ctx, ex, true, [&ctx, ex, id, drop_content] {
    if (auto st = ctx.store->remove(id); !st) {
      ex.respond_error(tus_error(st.error()));
      return;
    }
    // Content that never received its bytes goes with the upload; completed content lives
    // on (the catalogue and transcoder own it from then on).
    if (drop_content) delete_content_record(ctx, id);
    ex.respond(204, "", tus_base());
  });
}

// tus 1.0: X-HTTP-Method-Override MUST be taken as the method. Clients behind proxies that
// drop PATCH or DELETE (tus-js-client overridePatchMethod) send POST /files/{id} with it.
void handle_override(Context& ctx, const http::Exchange& ex) {
  auto method = ex.header("X-HTTP-Method-Override");
  std::string_view m = method ? trim(*method) : std::string_view();
  if (m == "PATCH") return handle_patch(ctx, ex);
  if (m == "DELETE") return handle_delete(ctx, ex);
  if (m == "HEAD") return handle_head(ctx, ex);
  if (m == "OPTIONS") return handle_options(ctx, ex);
  Headers h = tus_base();
  h.push_back({"Allow", "HEAD, PATCH, DELETE, OPTIONS"});
  h.push_back({"Content-Type", "application/json"});
  nlohmann::json err{{"code", "method_not_allowed"},
                     {"message",
                      "POST on an upload needs X-HTTP-Method-Override: PATCH, DELETE "
                      "or HEAD"}};
  ex.respond(405, nlohmann::json{{"error", err}}.dump(), h);
}

}  // namespace

void register_tus_routes(Context& ctx, http::Router& router) {
  Context* c = &ctx;
  // No limit at the gateway: its own 413 would lack Tus-Resumable and the limit. Bodies are
  // held to Upload-Length / max_size here instead, up front by Content-Length and by the
  // writes of a streamed (chunked) body.
  uint64_t body_limit = std::numeric_limits<uint64_t>::max();
  for (const char* base : {"/files", "/files/"}) {
    router.add(http::RouteSpec{SG_HTTP_POST, base, SG_HTTP_BODY_STREAM, body_limit},
               [c](const http::Exchange& ex) { handle_create(*c, ex); });
    router.add(http::RouteSpec{SG_HTTP_OPTIONS, base, SG_HTTP_BODY_NONE, 0},
               [c](const http::Exchange& ex) { handle_options(*c, ex); });
  }
  router.add(http::RouteSpec{SG_HTTP_HEAD, "/files/{id}", SG_HTTP_BODY_NONE, 0},
             [c](const http::Exchange& ex) { handle_head(*c, ex); });
  router.add(http::RouteSpec{SG_HTTP_OPTIONS, "/files/{id}", SG_HTTP_BODY_NONE, 0},
             [c](const http::Exchange& ex) { handle_options(*c, ex); });
  router.add(http::RouteSpec{SG_HTTP_PATCH, "/files/{id}", SG_HTTP_BODY_STREAM, body_limit},
             [c](const http::Exchange& ex) { handle_patch(*c, ex); });
  router.add(http::RouteSpec{SG_HTTP_DELETE, "/files/{id}", SG_HTTP_BODY_NONE, 0},
             [c](const http::Exchange& ex) { handle_delete(*c, ex); });
  router.add(http::RouteSpec{SG_HTTP_POST, "/files/{id}", SG_HTTP_BODY_STREAM, body_limit},
             [c](const http::Exchange& ex) { handle_override(*c, ex); });
}

// ---------------------------------------------------------------------------------------
// Shared helpers

Result<std::string> uploader(const Context& ctx, const http::Exchange& ex) {
  sg_http_identity id = ex.identity();
  if (ctx.config.require_auth && id.authenticated == 0)
    return fail(401, "unauthorized", "sign in to upload");
  return owner_of(id);
}

Result<UploadView> owned_upload(const Context& ctx, const http::Exchange& ex) {
  auto caller = uploader(ctx, ex);
  if (!caller) return caller.error();
  auto id = ex.path_param("id");
  if (!id || !valid_upload_id(*id)) return fail(404, "not_found", "no such upload");
  auto v = ctx.store->get(std::string(*id));
  if (!v) return v.error();
  const std::string& owner = v->record.owner;
  sg_http_identity ident = ex.identity();
  if (!owner.empty() && !same_owner(owner, caller.value()) && ident.is_admin == 0)
    return fail(403, "forbidden", "this upload belongs to someone else");
  return v;
}

void on_pool(Context& ctx, const http::Exchange& ex, bool tus, std::function<void()> fn) {
  try {
    ctx.host.run_blocking(std::move(fn));
  } catch (const Error& e) {
    http::HttpError refused = http::refused_work_error(e);  // full queue vs stopping
    if (tus) refused.with_header("Tus-Resumable", "1.0.0");
    ex.respond_error(refused);
  }
}

Status check_limits(const Context& ctx, const std::string& owner, std::optional<uint64_t> length,
                    uint64_t counted) {
  const auto& cfg = ctx.config;
  if (length && *length > cfg.max_size)
    return fail(413, "upload_too_large",
                "uploads are limited to " + std::to_string(cfg.max_size) + " bytes",
                static_cast<long long>(cfg.max_size));
  if (cfg.owner_quota > 0) {
    uint64_t used = ctx.store->owner_usage(owner);
    used = used > counted ? used - counted : 0;
    uint64_t want = length.value_or(0);
    if (used >= cfg.owner_quota || want > cfg.owner_quota - used)
      return fail(413, "quota_exceeded",
                  "upload quota exceeded: " + std::to_string(used) + " of " +
                      std::to_string(cfg.owner_quota) + " bytes used",
                  static_cast<long long>(cfg.owner_quota));
  }
  return ok_status();
}

}  // namespace sg::upload
