// Status changes driven by the pipeline's events. Handlers run on the kernel's event
// threads (never network threads), serialised per subscription, so the database work is
// done inline: that keeps "processing" before "ready" for one content id.
#include "events.hpp"
#include "sql/util.hpp"

namespace sg::metadata {

namespace {

void on_event(Context& ctx, std::string_view topic, const json& p) {
  if (!p.is_object() || !p.contains("content_id") || !p["content_id"].is_string() ||
      !sql::is_uuid(p["content_id"].get<std::string>())) {
    ctx.host().warn("metadata: ignoring " + std::string(topic) + " without a valid content_id");
    return;
  }
  std::string id = sql::lower(p["content_id"].get<std::string>());
  try {
    if (topic == "upload.completed") {
      json change = {{"status", "processing"}};
      if (p.contains("size") && p["size"].is_number_integer())
        change["source"] = {{"size", p["size"]}};
      if (auto cur = ctx.store().get(id)) {
        // Keep what the upload plugin already recorded about the source; add the size.
        if (cur->source && change.contains("source")) {
          json merged = *cur->source;
          merged.merge_patch(change["source"]);
          change["source"] = merged;
        }
        ctx.patch(id, change, Writer::service, std::nullopt);
      } else if (p.contains("owner") && p["owner"].is_string()) {
        // The upload plugin normally creates the record at tus creation; if it did not,
        // the record is created here so the upload is not orphaned.
        change["id"] = id;
        ctx.create(p["owner"].get<std::string>(), change, Writer::service);
      } else {
        ctx.host().warn("metadata: upload.completed for unknown content " + id + " without owner");
      }
    } else if (p.value("recorded", false)) {
      // The transcoder already wrote this outcome through the metadata service (durably,
      // retried with its job); the event is for everyone else.
      return;
    } else if (topic == "transcode.completed") {
      json change = {{"status", "ready"}, {"status_reason", nullptr}};
      for (const char* k : {"renditions", "poster", "source", "media"})
        if (p.contains(k)) change[k] = p[k];
      try {
        ctx.patch(id, change, Writer::service, std::nullopt);
      } catch (const Error& e) {
        if (e.status() != SG_ERR_INVALID) throw;
        // Bad extras from the transcoder must not keep finished content from being ready.
        ctx.host().warn(std::string("metadata: transcode.completed extras refused: ") + e.what());
        ctx.patch(id, json{{"status", "ready"}}, Writer::service, std::nullopt);
      }
    } else if (topic == "transcode.failed") {
      std::string reason = p.value("error", p.value("reason", std::string("transcoding failed")));
      // Cut by characters: half a character would make the record unreadable as JSON.
      reason = utf8_prefix(reason, kMaxReason);
      ctx.patch(id, json{{"status", "failed"}, {"status_reason", reason}}, Writer::service,
                std::nullopt);
    }
  } catch (const Error& e) {
    ctx.host().warn("metadata: " + std::string(topic) + " for " + id + ": " + e.what());
  }
}

}  // namespace

std::vector<Subscription> subscribe_events(Context& ctx) {
  std::vector<Subscription> subs;
  Context* c = &ctx;
  for (const char* topic : {"upload.completed", "transcode.*"})
    subs.push_back(ctx.host().subscribe(
        topic, [c](std::string_view t, const json& p) { on_event(*c, t, p); }));
  return subs;
}

}  // namespace sg::metadata
