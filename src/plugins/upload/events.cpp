#include "events.hpp"

#include <string>

#include "tus_headers.hpp"

namespace sg::upload {

Subscription subscribe_events(Context& ctx) {
  Context* c = &ctx;
  return ctx.host.subscribe("content.deleted", [c](std::string_view, const nlohmann::json& p) {
    if (!p.is_object() || !p.contains("content_id") || !p["content_id"].is_string()) return;
    std::string id = p["content_id"].get<std::string>();
    if (!valid_upload_id(id)) return;
    c->host.run_blocking([c, id] {
      if (!c->store->get(id)) return;
      if (auto st = c->store->remove(id); !st)
        c->host.warn("upload " + id + ": not removed after content deletion: " + st.error().what());
      else
        c->host.info("upload " + id + " removed with its content");
    });
  });
}

}  // namespace sg::upload
