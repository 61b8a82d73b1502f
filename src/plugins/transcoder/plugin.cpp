// transcoder.so — entry point and wiring: config, the media folder (stale temp folders
// removed at start), metrics, the `transcode` job handler and the bus subscriptions.
#include <memory>
#include <string>

extern "C" {
#include <libavutil/log.h>
}

#include <streamgate/plugin.hpp>
#include <streamgate/services/jobs.hpp>
#include <streamgate/services/metadata.hpp>

#include "context.hpp"
#include "events.hpp"
#include "transcode_job.hpp"

namespace sg::transcoder {
namespace {

constexpr const char* kJobType = "transcode";

class TranscoderPlugin final : public Plugin {
 public:
  TranscoderPlugin(Host host, const nlohmann::json& config) : Plugin(host) {
    ctx_.host = host;
    ctx_.config = parse_config(config);
  }

  void start() override {
    auto data_dir = host().config("server.data_dir");
    if (!data_dir || !data_dir->is_string())
      throw Error(SG_ERR_INVALID, "server.data_dir is not set");
    ctx_.data_dir = std::filesystem::path(data_dir->get<std::string>());
    ctx_.output = OutputFolder(ctx_.data_dir / "media");
    ctx_.slots = std::make_unique<JobSlots>(ctx_.config.max_jobs);
    // libav* logs to stderr by default; its warnings about hostile input are not ours to
    // print, and its errors reach the job's failure reason.
    av_log_set_level(AV_LOG_FATAL);

    Host h = host();
    ctx_.metrics.host = h;
    ctx_.metrics.jobs_started =
        h.counter("streamgate_transcode_jobs_started_total", "Transcode jobs started");
    ctx_.metrics.jobs_succeeded =
        h.counter("streamgate_transcode_jobs_succeeded_total", "Transcode jobs succeeded");
    ctx_.metrics.media_seconds = h.counter("streamgate_transcode_media_seconds_total",
                                           "Seconds of media produced by transcodes");
    ctx_.metrics.wall_seconds = h.counter("streamgate_transcode_wall_seconds_total",
                                          "Wall seconds spent by successful transcodes");
    ctx_.metrics.running = h.gauge("streamgate_transcode_running", "Transcodes running now");

    jobs_ = ServiceRef<sg_jobs_service>::require(h, SG_JOBS_SERVICE, SG_JOBS_MAJOR, 0);
    metadata_ =
        ServiceRef<sg_metadata_service>::optional(h, SG_METADATA_SERVICE, SG_METADATA_MAJOR, 1);
    if (!metadata_) h.warn("metadata service absent: outcomes are only published as events");
    ctx_.metadata = metadata::Client(metadata_.get());

    // A process that died mid-transcode left its temp folder; a live one touches its own
    // with every segment, so only folders idle for a while are removed.
    h.run_blocking([this] {
      if (size_t n = ctx_.output.remove_stale_temps(std::chrono::minutes(2)); n > 0)
        host().info("transcoder: removed " + std::to_string(n) + " stale temp folders");
    });

    subscriptions_ = subscribe_events(ctx_, jobs::Client(jobs_.get()));

    handler_ = jobs::Client(jobs_.get()).handle(kJobType, [this](const jobs::Job& job) {
      run_transcode_job(ctx_, job);
    });
  }

  void stop(std::chrono::milliseconds) override {
    handler_.reset();  // running transcodes see the job cancelled and stop within a second
    subscriptions_ = {};
    ctx_.metadata = {};
    metadata_.reset();
    jobs_.reset();
  }

  nlohmann::json health() override {
    return {{"healthy", true}, {"max_jobs", ctx_.config.max_jobs}};
  }

 private:
  Context ctx_;
  ServiceRef<sg_jobs_service> jobs_;
  ServiceRef<sg_metadata_service> metadata_;
  jobs::HandlerRegistration handler_;
  Subscriptions subscriptions_;
};

}  // namespace
}  // namespace sg::transcoder

SG_PLUGIN(sg::transcoder::TranscoderPlugin, "transcoder", "1.0.0",
          "transcode jobs: an ABR ladder of CMAF renditions with HLS and DASH manifests",
          sg::provides({}),
          sg::requires_services({{SG_JOBS_SERVICE, SG_JOBS_MAJOR, 0, 0},
                                 {SG_METADATA_SERVICE, SG_METADATA_MAJOR, 1, 1}}))
