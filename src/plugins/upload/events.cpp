#include "events.hpp"

#include <string>

#include "tus_headers.hpp"

namespace sg::upload {
namespace {

// The upload named by an event's content_id (uploads and contents share their id), or "".
std::string upload_id_of(const nlohmann::json& p) {
  if (!p.is_object() || !p.contains("content_id") || !p["content_id"].is_string()) return {};
  std::string id = p["content_id"].get<std::string>();
  return valid_upload_id(id) ? id : std::string();
}

void remove_upload(Context* c, const std::string& id, const char* why) {
  c->host.run_blocking([c, id, why] {
    if (!c->store->get(id)) return;
    if (auto st = c->store->remove(id); !st)
      c->host.warn("upload " + id + ": not removed " + why + ": " + st.error().what());
    else
      c->host.info("upload " + id + " removed " + why);
  });
}

}  // namespace

Subscriptions subscribe_events(Context& ctx) {
  Context* c = &ctx;
  Subscriptions s;
  s.content_deleted =
      ctx.host.subscribe("content.deleted", [c](std::string_view, const nlohmann::json& p) {
        if (auto id = upload_id_of(p); !id.empty()) remove_upload(c, id, "with its content");
      });
  s.transcode_completed =
      ctx.host.subscribe("transcode.completed", [c](std::string_view, const nlohmann::json& p) {
        // Only an explicit false: a transcoder that does not say keeps the source.
        if (!p.contains("keep_source") || p["keep_source"] != false) return;
        if (auto id = upload_id_of(p); !id.empty())
          remove_upload(c, id, "after its transcode (transcoder keep_source is false)");
      });
  return s;
}

}  // namespace sg::upload
