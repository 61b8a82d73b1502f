#include "transcode_job.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <optional>
#include <regex>

#include "transcode.hpp"

namespace sg::transcoder {
namespace fs = std::filesystem;
namespace {

struct Payload {
  std::string content_id;
  fs::path input;
  std::optional<uint64_t> size;
};

bool is_uuid(const std::string& s) {
  static const std::regex re("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
  return std::regex_match(s, re);
}

// The payload names a file under data_dir; anything that could point elsewhere is refused.
std::optional<Payload> parse_payload(const Context& ctx, const nlohmann::json& p,
                                     std::string& why) {
  if (!p.is_object() || !p.contains("content_id") || !p["content_id"].is_string()) {
    why = "payload: content_id missing";
    return std::nullopt;
  }
  Payload out;
  out.content_id = p["content_id"].get<std::string>();
  for (auto& c : out.content_id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!is_uuid(out.content_id)) {
    why = "payload: content_id is not a UUID";
    return std::nullopt;
  }
  if (!p.contains("path") || !p["path"].is_string()) {
    why = "payload: path missing";
    return std::nullopt;
  }
  fs::path rel = fs::path(p["path"].get<std::string>()).lexically_normal();
  bool escapes = rel.empty() || rel.is_absolute();
  for (const auto& part : rel)
    if (part == "..") escapes = true;
  if (escapes) {
    why = "payload: path must be relative to the data folder";
    return std::nullopt;
  }
  out.input = ctx.data_dir / rel;
  std::error_code ec;
  fs::path real = fs::weakly_canonical(out.input, ec);
  fs::path root = fs::weakly_canonical(ctx.data_dir, ec);
  auto [r, s] = std::mismatch(root.begin(), root.end(), real.begin(), real.end());
  if (r != root.end()) {
    why = "payload: path leaves the data folder";
    return std::nullopt;
  }
  if (p.contains("size") && p["size"].is_number_unsigned()) out.size = p["size"].get<uint64_t>();
  return out;
}

std::string progress_message(const ProgressSnapshot& p) {
  double fps = p.elapsed > 0 ? static_cast<double>(p.frames) / p.elapsed : 0;
  double speed = p.elapsed > 0 ? p.position / p.elapsed : 0;
  std::array<char, 128> buf{};
  std::snprintf(buf.data(), buf.size(), "%.1f s of %.1f s, %.0f fps, %.1fx realtime", p.position,
                p.duration, fps, speed);
  return buf.data();
}

nlohmann::json renditions_json(const MediaSet& media) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : media.video) {
    out.push_back({{"id", r.id},
                   {"type", "video"},
                   {"width", r.width},
                   {"height", r.height},
                   {"frame_rate", static_cast<double>(r.frame_rate_num) / r.frame_rate_den},
                   {"codecs", r.codecs},
                   {"bitrate", r.average_bitrate()},
                   {"peak_bitrate", r.peak_bitrate()},
                   {"segments", r.segments.size()},
                   {"playlist", r.id + "/" + kMediaPlaylistName}});
  }
  if (media.audio) {
    const auto& a = *media.audio;
    out.push_back({{"id", a.id},
                   {"type", "audio"},
                   {"codecs", a.codecs},
                   {"channels", a.channels},
                   {"sample_rate", a.sample_rate},
                   {"bitrate", a.average_bitrate()},
                   {"segments", a.segments.size()},
                   {"playlist", a.id + "/" + kMediaPlaylistName}});
  }
  return out;
}

nlohmann::json media_json(const TranscodeOutcome& out, const fs::path& folder) {
  nlohmann::json m{{"duration", std::round(out.media.duration * 1000) / 1000},
                   {"segment_seconds", out.media.segment_target},
                   {"hls", kMasterPlaylistName},
                   {"dash", kDashManifestName}};
  std::error_code ec;
  if (fs::exists(folder / kStoryboardVttName, ec))
    m["storyboard"] = {{"vtt", kStoryboardVttName}, {"sprite", kStoryboardSpriteName}};
  return m;
}

class JobRun {
 public:
  JobRun(Context& ctx, const jobs::Job& job) : ctx_(ctx), job_(job) {}

  void run() {
    std::string why;
    auto payload = parse_payload(ctx_, job_.payload(), why);
    if (!payload) {
      // A bad payload is a bug in whoever enqueued it: never retried.
      ctx_.host.error("transcode job " + std::string(job_.id()) + ": " + why);
      job_.fail(why, false);
      return;
    }
    p_ = *payload;
    if (ctx_.metadata) {
      auto content = ctx_.metadata.get(p_.content_id);
      if (!content) {
        job_.succeed({{"skipped", "the content no longer exists"}});
        return;
      }
      // Events name the owner so that feeds and webhooks route them without a lookup.
      owner_ = content->value("owner", "");
    }
    if (!ctx_.slots->acquire([&] { return stopping(); })) return;  // released for a later run
    struct Release {
      JobSlots* s;
      ~Release() { s->release(); }
    } release{ctx_.slots.get()};
    ctx_.metrics.jobs_started.add();
    ctx_.metrics.running.add(1);
    struct Running {
      Metric m;
      ~Running() { m.add(-1); }
    } running{ctx_.metrics.running};
    transcode();
  }

 private:
  bool stopping() const { return job_.cancelled() || ctx_.was_deleted(p_.content_id); }

  void transcode() {
    std::error_code ec;
    auto size = fs::file_size(p_.input, ec);
    if (ec) return fail(invalid_input("the uploaded file is missing"));
    if (p_.size && *p_.size != size)
      return fail(invalid_input("the uploaded file changed after the upload"));

    auto temp = ctx_.output.make_temp(p_.content_id);
    if (!temp) return fail(temp.error());
    Transcode t(ctx_.config, p_.input, temp.value());
    t.start();
    auto last_report = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    while (!t.wait_for(std::chrono::milliseconds(100))) {
      if (stopping()) {
        t.cancel();
        continue;
      }
      auto now = std::chrono::steady_clock::now();
      if (now - last_report >= std::chrono::milliseconds(500)) {
        last_report = now;
        auto snap = t.progress();
        auto pct =
            snap.duration > 0
                ? static_cast<uint32_t>(std::min(99.0, 100.0 * snap.position / snap.duration))
                : 0u;
        std::string message = progress_message(snap);
        if (!job_.progress(pct, message)) t.cancel();
        // job.progress names the job only; players waiting on a content need its id.
        ctx_.host.publish("transcode.progress", owned({{"content_id", p_.content_id},
                                                       {"job_id", std::string(job_.id())},
                                                       {"progress", pct},
                                                       {"message", message}}));
      }
    }
    auto outcome = t.result();
    auto snap = t.progress();
    if (!outcome) {
      fs::remove_all(temp.value(), ec);
      if (outcome.error().kind == Failure::Kind::cancelled) {
        ctx_.host.info("transcode " + p_.content_id + ": cancelled");
        return;  // the worker releases or cancels the job; nothing was published
      }
      return fail(outcome.error());
    }
    if (stopping()) {
      fs::remove_all(temp.value(), ec);
      return;
    }
    if (auto st = ctx_.output.publish(temp.value(), p_.content_id); !st) {
      fs::remove_all(temp.value(), ec);
      return fail(st.error());
    }
    succeed(outcome.value(), snap.elapsed);
  }

  void succeed(const TranscodeOutcome& out, double wall) {
    const fs::path folder = ctx_.output.final_path(p_.content_id);
    nlohmann::json renditions = renditions_json(out.media);
    nlohmann::json media = media_json(out, folder);
    bool recorded = false;
    if (ctx_.metadata) {
      try {
        ctx_.metadata.update_fields(p_.content_id, {{"status", "ready"},
                                                    {"status_reason", nullptr},
                                                    {"renditions", renditions},
                                                    {"poster", kPosterName},
                                                    {"media", media}});
        recorded = true;
      } catch (const Error& e) {
        if (e.status() == SG_ERR_NOT_FOUND || ctx_.was_deleted(p_.content_id)) {
          ctx_.output.remove_content(p_.content_id);
          job_.succeed({{"skipped", "the content was deleted during the transcode"}});
          return;
        }
        // The set is published; a retry redoes it and records it then.
        job_.fail(std::string("recording the result: ") + e.what(), true);
        return;
      }
    }
    // A content deleted in the meantime loses its folder (the deletion event may have
    // come before the rename).
    if (ctx_.was_deleted(p_.content_id)) ctx_.output.remove_content(p_.content_id);
    ctx_.metrics.jobs_succeeded.add();
    ctx_.metrics.media_seconds.add(out.media.duration);
    ctx_.metrics.wall_seconds.add(wall);
    nlohmann::json event{{"content_id", p_.content_id},
                         {"job_id", std::string(job_.id())},
                         {"recorded", recorded},
                         {"renditions", renditions},
                         {"poster", kPosterName},
                         {"media", media},
                         {"keep_source", ctx_.config.keep_source}};
    try {
      ctx_.host.publish("transcode.completed", owned(std::move(event)));
    } catch (const std::exception& e) {
      ctx_.host.warn(std::string("publish transcode.completed: ") + e.what());
    }
    ctx_.host.info("transcode " + p_.content_id + ": ready, " +
                   std::to_string(out.media.video.size()) + " video renditions, " +
                   std::to_string(static_cast<int>(out.media.duration)) + " s in " +
                   std::to_string(static_cast<int>(wall)) + " s");
    job_.succeed({{"content_id", p_.content_id}, {"renditions", renditions}, {"media", media}});
  }

  void fail(const Failure& f) {
    ctx_.metrics.failures(f.label()).add();
    const bool final = !f.retryable() || job_.attempt() >= job_.max_attempts();
    ctx_.host.warn("transcode " + p_.content_id + " failed (" + f.label() + "): " + f.reason +
                   (final ? "" : "; will retry"));
    bool recorded = false;
    if (final && ctx_.metadata) {
      try {
        ctx_.metadata.update_status(p_.content_id, "failed", f.reason);
        recorded = true;
      } catch (const Error& e) {
        ctx_.host.warn("transcode " + p_.content_id + ": cannot record the failure: " + e.what());
      }
    }
    if (final) {
      try {
        ctx_.host.publish("transcode.failed", owned({{"content_id", p_.content_id},
                                                     {"job_id", std::string(job_.id())},
                                                     {"error", f.reason},
                                                     {"code", f.label()},
                                                     {"recorded", recorded}}));
      } catch (const std::exception& e) {
        ctx_.host.warn(std::string("publish transcode.failed: ") + e.what());
      }
    }
    job_.fail(f.reason, f.retryable());
  }

  nlohmann::json owned(nlohmann::json event) const {
    if (!owner_.empty()) event["owner"] = owner_;
    return event;
  }

  Context& ctx_;
  const jobs::Job& job_;
  Payload p_;
  std::string owner_;  // the content's owner, "" without the metadata service
};

}  // namespace

void run_transcode_job(Context& ctx, const jobs::Job& job) {
  JobRun(ctx, job).run();
}

}  // namespace sg::transcoder
