// upload.so — entry point and wiring: config, the on-disk store (recovered at start),
// services (http required; metadata, jobs optional), routes, and the expiry sweep.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>

#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>
#include <streamgate/services/jobs.hpp>
#include <streamgate/services/metadata.hpp>

#include "completion.hpp"
#include "context.hpp"
#include "events.hpp"
#include "routes.hpp"

namespace sg::upload {
namespace {

constexpr const char* kSweepJob = "upload.expire_sweep";

class UploadPlugin final : public Plugin {
 public:
  UploadPlugin(Host host, const nlohmann::json& config) : Plugin(host) {
    ctx_.host = host;
    ctx_.config = parse_config(config);
    // A ring of buffer_count buffers per streaming request; finished requests leave up to two
    // rings' worth for the next ones.
    ctx_.pump_buffers = std::make_shared<PumpBuffers>(
        ctx_.config.buffer_bytes, ctx_.config.buffer_count, 2 * ctx_.config.buffer_count);
  }

  void start() override {
    auto data_dir = host().config("server.data_dir");
    if (!data_dir || !data_dir->is_string())
      throw Error(SG_ERR_INVALID, "server.data_dir is not set");
    StoreOptions opts;
    opts.root = std::filesystem::path(data_dir->get<std::string>()) / "uploads";
    opts.commit_interval = ctx_.config.commit_interval;
    opts.expiration_seconds = ctx_.config.expiration_seconds;
    ctx_.store = std::make_unique<Store>(opts);
    // Body writes may hold at most half the kernel's blocking pool (or max_writers): the
    // rest stays free for the API, whatever the disk and the number of uploads.
    size_t writers = ctx_.config.max_writers;
    if (writers == 0) {
      auto threads = host().config("server.blocking_threads");
      size_t pool = threads && threads->is_number_unsigned() ? threads->get<size_t>() : 8;
      writers = std::max<size_t>(1, pool / 2);
    }
    Host h = host();
    ctx_.writer_slots = std::make_shared<WriterSlots>(
        writers, [h](WriterSlots::Task task) { h.run_blocking(std::move(task)); });
    auto report = ctx_.store->open();
    if (!report)
      throw Error(SG_ERR_UNAVAILABLE, std::string("upload store: ") + report.error().what());
    host().info("upload store " + opts.root.string() + ": " + std::to_string(report->uploads) +
                " uploads, " + std::to_string(report->removed) +
                " incomplete directories removed, " + std::to_string(report->truncated_bytes) +
                " unacknowledged bytes cut");

    ctx_.bytes_received =
        host().counter("streamgate_upload_bytes_total", "Upload bytes written to disk");
    ctx_.uploads_created = host().counter("streamgate_uploads_created_total", "Uploads created");
    ctx_.uploads_completed =
        host().counter("streamgate_uploads_completed_total", "Uploads completed as media");
    ctx_.uploads_failed =
        host().counter("streamgate_uploads_failed_total", "Uploads rejected at completion");

    http_ = ServiceRef<sg_http_service>::require(host(), SG_HTTP_SERVICE, SG_HTTP_MAJOR, 1);
    metadata_ = ServiceRef<sg_metadata_service>::optional(host(), SG_METADATA_SERVICE,
                                                          SG_METADATA_MAJOR, 0);
    if (!metadata_) host().warn("metadata service absent: uploads create no content records");
    jobs_ = ServiceRef<sg_jobs_service>::optional(host(), SG_JOBS_SERVICE, SG_JOBS_MAJOR, 0);
    if (!jobs_) host().warn("jobs service absent: no transcode jobs; expiry sweep on a timer");
    ctx_.http = http_.get();
    ctx_.metadata = metadata::Client(metadata_.get());
    ctx_.jobs = jobs::Client(jobs_.get());

    if (ctx_.jobs) {
      sweep_handler_ = ctx_.jobs.handle(kSweepJob, [this](const jobs::Job& job) {
        job.succeed(nlohmann::json{{"removed", sweep()}});
      });
    }

    router_.bind(ctx_.http);
    register_tus_routes(ctx_, router_);
    register_simple_routes(ctx_, router_);

    // Finish completions a crash interrupted (bytes durable, record still "uploading"), and
    // drop the content records of creations it cut short (their temp directories are gone).
    host().run_blocking([this, abandoned = report->abandoned] {
      for (const auto& id : abandoned) delete_content_record(ctx_, id);
      for (const auto& v : ctx_.store->list()) {
        if (v.record.state == "uploading" && v.complete() && v.record.concat != ConcatKind::partial)
          complete_upload(ctx_, v.record.id);
      }
    });

    subscriptions_ = subscribe_events(ctx_);

    auto period = std::chrono::seconds(ctx_.config.sweep_interval_seconds);
    sweep_timer_ = host().start_timer(period, period, [this] { on_sweep_tick(); });
  }

  void stop(std::chrono::milliseconds) override {
    sweep_timer_.reset();
    subscriptions_ = {};
    router_.clear();
    sweep_handler_.reset();
    ctx_.jobs = {};
    ctx_.metadata = {};
    ctx_.http = nullptr;
    jobs_.reset();
    metadata_.reset();
    http_.reset();
  }

  nlohmann::json health() override {
    size_t uploads = ctx_.store ? ctx_.store->list().size() : 0;
    return {{"healthy", ctx_.store != nullptr}, {"uploads", uploads}, {"swept", swept_.load()}};
  }

 private:
  // Timer tick: with the jobs service the sweep runs as a durable job (one per period,
  // deduplicated by key); otherwise directly on the blocking pool.
  void on_sweep_tick() {
    host().run_blocking([this] {
      if (!ctx_.jobs) {
        sweep();
        return;
      }
      jobs::EnqueueOptions opts;
      opts.idempotency_key =
          "sweep:" + std::to_string(now_seconds() / ctx_.config.sweep_interval_seconds);
      opts.max_attempts = 1;
      try {
        ctx_.jobs.enqueue(kSweepJob, nlohmann::json::object(), opts);
      } catch (const Error& e) {
        host().warn(std::string("cannot enqueue the expiry sweep, sweeping directly: ") + e.what());
        sweep();
      }
    });
  }

  // Removes expired, idle uploads (and their never-filled content records).
  size_t sweep() {
    size_t removed = 0;
    for (const auto& id : ctx_.store->expired(now_seconds())) {
      auto v = ctx_.store->get(id);
      if (!v) continue;
      if (ctx_.store->remove(id)) {
        if (v->record.has_content) delete_content_record(ctx_, id);
        ++removed;
      }
    }
    swept_ += removed;
    if (removed > 0) host().info("expired uploads removed: " + std::to_string(removed));
    return removed;
  }

  ServiceRef<sg_http_service> http_;
  ServiceRef<sg_metadata_service> metadata_;  // optional
  ServiceRef<sg_jobs_service> jobs_;          // optional
  Context ctx_;
  http::Router router_;
  Timer sweep_timer_;
  Subscriptions subscriptions_;
  jobs::HandlerRegistration sweep_handler_;
  std::atomic<size_t> swept_{0};
};

}  // namespace
}  // namespace sg::upload

SG_PLUGIN(sg::upload::UploadPlugin, "upload", "1.0.0",
          "tus 1.0 resumable uploads and POST /api/v1/uploads", sg::provides({}),
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, 1, 0},
                                 {SG_METADATA_SERVICE, SG_METADATA_MAJOR, 0, 1},
                                 {SG_JOBS_SERVICE, SG_JOBS_MAJOR, 0, 1}}))
