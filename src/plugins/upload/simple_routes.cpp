// POST /api/v1/uploads for scripts (curl): a raw body (metadata in the query string) or
// multipart/form-data (text fields + one file field), streamed to disk like tus PATCH
// bodies, with the same limits and the same completion. GET /api/v1/uploads/{id} reports
// an upload's state to its owner.
#include <memory>
#include <string>

#include "body_pump.hpp"
#include "completion.hpp"
#include "multipart.hpp"
#include "routes.hpp"
#include "utf8.hpp"

namespace sg::upload {
namespace {

using nlohmann::json;

constexpr size_t kMaxFieldBytes = 64 * 1024;
constexpr const char* kFieldNames[] = {"filename",      "filetype",      "title",
                                       "description",   "visibility",    "tags",
                                       "gate",          "gate_contract", "gate_chain_id",
                                       "gate_standard", "gate_token_id", "gate_min_balance"};

bool known_field(std::string_view name) {
  for (const char* f : kFieldNames)
    if (name == f) return true;
  return false;
}

json upload_json(const UploadView& v) {
  const auto& r = v.record;
  json j{{"id", r.id},
         {"content_id", r.concat == ConcatKind::partial ? json(nullptr) : json(r.id)},
         {"owner", r.owner},
         {"offset", v.offset},
         {"length", r.length ? json(*r.length) : json(nullptr)},
         {"state", r.state},
         {"sha256", r.sha256.empty() ? json(nullptr) : json(r.sha256)},
         {"failure", r.failure.empty() ? json(nullptr) : json(r.failure)},
         {"probe", r.probe},
         {"metadata", r.metadata},
         {"expires_at", v.expires_at == 0 ? json(nullptr) : json(v.expires_at)}};
  return j;
}

// One POST: created lazily (multipart: when the file part starts) so that form fields
// sent before the file become the content's metadata.
struct SimpleUpload {
  Context* ctx;
  http::Exchange ex;
  std::string owner;
  Metadata fields;
  size_t field_bytes = 0;
  std::optional<uint64_t> declared_length;  // raw bodies with Content-Length
  std::string id;
  std::shared_ptr<WriteSession> session;
  bool file_seen = false;
  bool in_file = false;
  std::string current_field;
  std::unique_ptr<MultipartParser> parser;

  Status start_file() {
    if (file_seen) return fail(400, "invalid_multipart", "only one file per request");
    file_seen = true;
    UploadRecord rec;
    rec.owner = owner;
    rec.length = declared_length;
    repair_fields();
    rec.metadata = fields;
    Result<UploadView> created = fail(500, "internal_error", "not created");
    {
      std::lock_guard lock(ctx->create_mu);
      if (auto lim = check_limits(*ctx, owner, declared_length); !lim) return lim;
      created = ctx->store->create(rec, now_seconds());
    }
    if (!created) return created.error();
    id = created->record.id;
    UploadRecord stored = created->record;
    if (auto st = create_content_record(*ctx, stored); !st) {
      (void)ctx->store->remove(id);
      id.clear();
      return st;
    }
    stored.has_content = static_cast<bool>(ctx->metadata);
    if (stored.has_content) (void)ctx->store->update_record(stored);
    ctx->uploads_created.add();
    if (declared_length && *declared_length == 0) return ok_status();
    auto ws = ctx->store->begin_write(id, 0, std::nullopt, now_seconds());
    if (!ws) return ws.error();
    session = std::shared_ptr<WriteSession>(std::move(ws.value()));
    return ok_status();
  }

  Status write_file(std::string_view data) {
    if (session->position() + data.size() > ctx->config.max_size)
      return fail(413, "upload_too_large",
                  "uploads are limited to " + std::to_string(ctx->config.max_size) + " bytes",
                  static_cast<long long>(ctx->config.max_size));
    Status st = session->write(data);
    if (st) ctx->bytes_received.add(static_cast<double>(data.size()));
    return st;
  }

  // Form values and file names become JSON (upload record, content record): ill-formed
  // UTF-8 is replaced with U+FFFD, as in tus metadata. Field values arrive in pieces that
  // may split a character, so they are repaired whole, once complete.
  void repair_fields() {
    for (auto& [key, value] : fields) value = repair_utf8(value);
  }

  Status sink(std::string_view data) {
    // Errors are values from here on: finish() then removes whatever was created.
    try {
      if (!parser) {
        if (!session) {
          if (auto st = start_file(); !st) return st;
        }
        return write_file(data);
      }
      return parser->feed(data);
    } catch (const std::exception& e) {
      ctx->host.error(std::string("upload: ") + e.what());
      return fail(500, "internal_error", "the upload could not be stored");
    }
  }

  MultipartHandler handler() {
    return MultipartHandler{
        [this](const PartInfo& p) -> Status {
          if (p.has_filename || p.name == "file") {
            if (p.has_filename && !fields.contains("filename")) fields["filename"] = p.filename;
            if (!p.content_type.empty() && !fields.contains("filetype"))
              fields["filetype"] = p.content_type;
            in_file = true;
            return start_file();
          }
          in_file = false;
          current_field = p.name;
          if (!known_field(p.name))
            return fail(
                400, "invalid_field",
                "unknown form field '" + std::string(utf8_prefix(repair_utf8(p.name), 64)) + "'");
          fields[current_field].clear();
          return ok_status();
        },
        [this](std::string_view d) -> Status {
          if (in_file) return write_file(d);
          field_bytes += d.size();
          if (field_bytes > kMaxFieldBytes)
            return fail(413, "fields_too_large", "form fields are too large", kMaxFieldBytes);
          fields[current_field].append(d);
          return ok_status();
        },
        [this]() -> Status {
          in_file = false;
          return ok_status();
        }};
  }

  void finish(Status st) {
    try {
      finish_checked(std::move(st));
    } catch (const std::exception& e) {
      ctx->host.error(std::string("upload: ") + e.what());
      discard();
      ex.respond_error(upload_error(fail(500, "internal_error", "the upload could not be stored")));
    }
  }

  // Removes what this request created: it answers an error, so nobody will resume it.
  void discard() {
    if (session) session->abandon(false);
    if (!id.empty()) {
      (void)ctx->store->remove(id);
      delete_content_record(*ctx, id);
      id.clear();
    }
  }

  void finish_checked(Status st) {
    if (st && parser) st = parser->finish();
    if (st && parser && !file_seen) st = fail(400, "missing_file", "the form has no file field");
    if (st && !parser && !session) st = start_file();  // raw empty body
    if (!st) {
      discard();
      ex.respond_error(upload_error(st.error()));
      return;
    }
    // A declared empty body has no write session: the upload is complete at creation.
    Result<uint64_t> off = session ? session->finish() : Result<uint64_t>(uint64_t{0});
    if (!off) {
      discard();
      ex.respond_error(upload_error(off.error()));
      return;
    }
    if (!declared_length) {
      if (auto sl = ctx->store->set_length(id, off.value()); !sl) {
        discard();
        ex.respond_error(upload_error(sl.error()));
        return;
      }
    }
    // Fields that came after the file part still describe the content.
    repair_fields();
    if (ctx->metadata && parser) {
      auto f = content_fields(fields);
      if (f && !f->empty()) {
        try {
          (void)ctx->metadata.update_fields(id, f.value());
        } catch (const Error& e) {
          ctx->host.warn("upload " + id + ": late form fields refused: " + e.what());
        }
      }
    }
    CompletionResult c = complete_upload(*ctx, id);
    auto view = ctx->store->get(id);
    json body = view ? upload_json(view.value()) : json{{"id", id}};
    if (c.state == "failed") {
      json err{{"code", "not_media"}, {"message", c.failure}, {"upload", body}};
      ex.respond(422, json{{"error", err}}.dump(), {{"Content-Type", "application/json"}});
      return;
    }
    ex.respond(201, body.dump(),
               {{"Content-Type", "application/json"}, {"Location", "/api/v1/uploads/" + id}});
  }
};

void handle_post(Context& ctx, const http::Exchange& ex) {
  auto owner = uploader(ctx, ex);
  if (!owner) throw upload_error(owner.error());
  auto up = std::make_shared<SimpleUpload>();
  up->ctx = &ctx;
  up->ex = ex;
  up->owner = owner.value();
  int64_t cl = ex.content_length();
  std::string_view ct = ex.header("Content-Type").value_or("");
  if (auto boundary = multipart_boundary(ct)) {
    up->parser = std::make_unique<MultipartParser>(*boundary, up->handler());
    // The file is smaller than the whole body: only an upper bound is known up front.
    if (cl > 0 && static_cast<uint64_t>(cl) > ctx.config.max_size + kMaxFieldBytes)
      throw upload_error(
          fail(413, "upload_too_large",
               "uploads are limited to " + std::to_string(ctx.config.max_size) + " bytes",
               static_cast<long long>(ctx.config.max_size)));
  } else if (trim(ct).substr(0, 10) == "multipart/") {
    throw upload_error(fail(415, "unsupported_media_type",
                            "multipart bodies must be multipart/form-data with a boundary"));
  } else {
    for (const char* f : kFieldNames) {
      if (auto v = ex.query_param(f)) up->fields[f] = repair_utf8(*v);
    }
    if (cl >= 0) up->declared_length = static_cast<uint64_t>(cl);
  }
  if (auto lim = check_limits(ctx, up->owner, up->declared_length); !lim)
    throw upload_error(lim.error());
  // Validate the metadata before any byte is accepted.
  if (auto f = content_fields(up->fields); !f) throw upload_error(f.error());
  pump_body(
      ctx.writer_slots, ex, ctx.pump_buffers, [up](std::string_view d) { return up->sink(d); },
      [up](Status st) { up->finish(std::move(st)); });
}

void handle_get(Context& ctx, const http::Exchange& ex) {
  auto v = owned_upload(ctx, ex);
  if (!v) throw upload_error(v.error());
  ex.respond_json(200, upload_json(v.value()), {{"Cache-Control", "no-store"}});
}

}  // namespace

void register_simple_routes(Context& ctx, http::Router& router) {
  Context* c = &ctx;
  // The gateway reads up to one pump ring ahead of the sink: with that much slack its own
  // 413 (no `limit`) never beats the sink's refusal of a file past max_size; it only stops
  // a chunked multipart body whose non-file part is endless.
  uint64_t ring = static_cast<uint64_t>(ctx.config.buffer_bytes) * ctx.config.buffer_count;
  router.add(http::RouteSpec{SG_HTTP_POST, "/api/v1/uploads", SG_HTTP_BODY_STREAM,
                             ctx.config.max_size + kMaxFieldBytes + ring},
             [c](const http::Exchange& ex) { handle_post(*c, ex); });
  router.add(http::RouteSpec{SG_HTTP_GET, "/api/v1/uploads/{id}", SG_HTTP_BODY_NONE, 0},
             [c](const http::Exchange& ex) { handle_get(*c, ex); });
}

}  // namespace sg::upload
