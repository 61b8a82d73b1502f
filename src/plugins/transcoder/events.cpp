#include "events.hpp"

#include <string>

namespace sg::transcoder {
namespace {

bool is_content_id(const std::string& id) {
  return id.size() == 36 && id.find('/') == std::string::npos && id.find("..") == std::string::npos;
}

std::string string_at(const nlohmann::json& p, const char* key) {
  if (!p.is_object() || !p.contains(key) || !p[key].is_string()) return {};
  return p[key].get<std::string>();
}

void on_content_deleted(Context& ctx, const nlohmann::json& p) {
  std::string id = string_at(p, "content_id");
  if (!is_content_id(id)) return;
  {
    std::lock_guard lock(ctx.deleted_mu);
    ctx.deleted.insert(id);
  }
  ctx.host.run_blocking([&ctx, id] {
    if (ctx.output.remove_content(id) > 0)
      ctx.host.info("transcoder: media of " + id + " removed with its content");
  });
}

void record_cancellation(Context& ctx, const jobs::Client& jobs, const std::string& job_id) {
  try {
    nlohmann::json job = jobs.get(job_id);
    std::string content_id = string_at(job.value("payload", nlohmann::json()), "content_id");
    if (!is_content_id(content_id) || !ctx.metadata) return;
    auto content = ctx.metadata.get(content_id);
    if (!content || content->value("status", "") != "processing") return;
    const std::string reason = "the transcode was cancelled";
    ctx.metadata.update_status(content_id, "failed", reason);
    ctx.host.publish("transcode.failed", {{"content_id", content_id},
                                          {"job_id", job_id},
                                          {"error", reason},
                                          {"code", "cancelled"},
                                          {"recorded", true},
                                          {"owner", content->value("owner", "")}});
    ctx.host.info("transcode " + content_id + ": cancelled, content marked failed");
  } catch (const std::exception& e) {
    ctx.host.warn("transcoder: cannot record the cancellation of job " + job_id + ": " + e.what());
  }
}

}  // namespace

Subscriptions subscribe_events(Context& ctx, jobs::Client jobs) {
  Context* c = &ctx;
  Subscriptions s;
  s.content_deleted = ctx.host.subscribe(
      "content.deleted",
      [c](std::string_view, const nlohmann::json& p) { on_content_deleted(*c, p); });
  s.job_finished =
      ctx.host.subscribe("job.finished", [c, jobs](std::string_view, const nlohmann::json& p) {
        if (string_at(p, "type") != "transcode" || string_at(p, "state") != "cancelled") return;
        std::string job_id = string_at(p, "job_id");
        if (job_id.empty()) return;
        c->host.run_blocking([c, jobs, job_id] { record_cancellation(*c, jobs, job_id); });
      });
  return s;
}

}  // namespace sg::transcoder
