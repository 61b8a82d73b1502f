#include "events.hpp"

#include "media_path.hpp"

namespace sg::streaming {
namespace {

std::optional<std::string> content_id_of(const nlohmann::json& p) {
  if (!p.is_object() || !p.contains("content_id") || !p["content_id"].is_string())
    return std::nullopt;
  return normalise_content_id(p["content_id"].get<std::string>());
}

}  // namespace

Subscriptions subscribe_events(Context& ctx) {
  Context* c = &ctx;
  Subscriptions s;
  s.content_changed = ctx.host.subscribe("content.*", [c](std::string_view topic,
                                                          const nlohmann::json& p) {
    if (topic != "content.updated" && topic != "content.deleted") return;
    auto id = content_id_of(p);
    if (!id) return;
    c->cache.invalidate(*id);
    if (topic == "content.deleted" || p.value("status", "") != "processing") c->progress.erase(*id);
    if (topic == "content.deleted" && c->analytics) {
      // Its stats go with it (every instance on a shared bus deletes; deleting twice is
      // harmless). SQL, so on the blocking pool, never the event thread.
      try {
        c->host.run_blocking([c, deleted = *id] {
          try {
            c->analytics->forget(deleted);
          } catch (const std::exception& e) {
            c->host.warn("streaming: stats of deleted content " + deleted +
                         " not deleted: " + e.what());
          }
        });
      } catch (const std::exception& e) {
        c->host.warn("streaming: stats of deleted content " + *id + " not deleted: " + e.what());
      }
    }
  });
  s.progress =
      ctx.host.subscribe("transcode.progress", [c](std::string_view, const nlohmann::json& p) {
        auto id = content_id_of(p);
        if (!id) return;
        TranscodeProgress tp;
        if (p.contains("progress") && p["progress"].is_number_integer())
          tp.percent = p["progress"].get<int>();
        if (p.contains("message") && p["message"].is_string())
          tp.message = p["message"].get<std::string>();
        c->progress.set(*id, std::move(tp));
      });
  return s;
}

}  // namespace sg::streaming
