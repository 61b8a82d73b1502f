// worker.so: durable jobs. Provides `jobs` v1, requires `http` v1 for its REST routes.
#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

#include "job_types.hpp"
#include "sql/util.hpp"
#include "worker_plugin.hpp"

namespace sg::worker {

WorkerPlugin::WorkerPlugin(Host host, const json& config)
    : Plugin(host), config_(WorkerConfig::from_json(config)) {
  fill_service_table(table_, this);
  host.register_service(SG_JOBS_SERVICE, SG_JOBS_MAJOR, SG_JOBS_MINOR, &table_);
}

WorkerPlugin::~WorkerPlugin() {
  if (runner_) runner_->stop();
}

void WorkerPlugin::start() {
  auto section = host().config("database");
  auto dbc = sql::Config::from_json(section ? *section : json::object());
  db_ = sql::Database::open(dbc);  // throws with host/port + reason; start-up then fails
  store_ = std::make_unique<JobStore>(*db_);
  store_->migrate();
  Host h = host();
  runner_ = std::make_unique<Runner>(
      *store_, config_.runner,
      [h](const std::string& topic, const json& payload) {
        try {
          h.publish(topic, payload);
        } catch (const std::exception& e) {
          h.warn(std::string("worker: publish failed: ") + e.what());
        }
      },
      [h](sg_log_level level, const std::string& msg) { h.log(level, msg); });
  runner_->start();
  http_ =
      ServiceRef<sg_http_service>::require(host(), SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR);
  router_.bind(http_.get());
  add_routes();
  host().info("worker: started on " + db_->describe() + " with " +
              std::to_string(config_.runner.concurrency) + " threads, lease " +
              std::to_string(config_.runner.lease_ms) + " ms, " +
              std::to_string(config_.runner.schedules.size()) + " schedule(s)");
}

void WorkerPlugin::stop(std::chrono::milliseconds) {
  router_.clear();
  if (runner_) runner_->stop();
  http_.reset();
}

json WorkerPlugin::health() {
  if (!db_ || !runner_) return json{{"healthy", false}, {"reason", "not started"}};
  bool ok = db_->healthy();
  return json{{"healthy", ok}, {"database", db_->describe()}, {"runner", runner_->stats()}};
}

JobStore& WorkerPlugin::store() {
  if (!store_) throw Error(SG_ERR_UNAVAILABLE, "the worker is not started");
  return *store_;
}

Runner& WorkerPlugin::runner() {
  if (!runner_) throw Error(SG_ERR_UNAVAILABLE, "the worker is not started");
  return *runner_;
}

std::string WorkerPlugin::enqueue(const std::string& type, const std::string& payload,
                                  const sg_job_options* o) {
  if (!valid_job_type(type)) throw Error(SG_ERR_INVALID, "type: must match [a-z0-9_.-]{1,64}");
  EnqueueRequest req;
  req.type = type;
  req.payload = payload.empty() ? "{}" : payload;
  if (!json::accept(req.payload)) throw Error(SG_ERR_INVALID, "payload: must be a JSON document");
  req.max_attempts = config_.default_max_attempts;
  if (o != nullptr) {
    if (o->struct_size < sizeof(uint32_t)) throw Error(SG_ERR_INVALID, "options: bad struct_size");
    // Members are read only when the caller's struct is big enough to hold them.
    auto has = [&](size_t end) { return o->struct_size >= end; };
    if (has(offsetof(sg_job_options, priority) + sizeof(o->priority))) req.priority = o->priority;
    if (has(offsetof(sg_job_options, delay_ms) + sizeof(o->delay_ms))) {
      if (o->delay_ms > 10ULL * 365 * 86400000) throw Error(SG_ERR_INVALID, "delay_ms: too large");
      req.delay_ms = static_cast<int64_t>(o->delay_ms);
    }
    if (has(offsetof(sg_job_options, max_attempts) + sizeof(o->max_attempts)) &&
        o->max_attempts > 0) {
      if (o->max_attempts > 1000) throw Error(SG_ERR_INVALID, "max_attempts: at most 1000");
      req.max_attempts = o->max_attempts;
    }
    if (has(offsetof(sg_job_options, idempotency_key_size) + sizeof(size_t)) &&
        o->idempotency_key != nullptr && o->idempotency_key_size > 0) {
      if (o->idempotency_key_size > 200)
        throw Error(SG_ERR_INVALID, "idempotency_key: at most 200 bytes");
      req.idempotency_key = std::string(o->idempotency_key, o->idempotency_key_size);
    }
    if (has(offsetof(sg_job_options, owner_size) + sizeof(size_t)) && o->owner != nullptr &&
        o->owner_size > 0) {
      std::string owner(o->owner, o->owner_size);
      if (!sql::is_address(owner))
        throw Error(SG_ERR_INVALID, "owner: must be 0x followed by 40 hex digits");
      req.owner = owner;
    }
  }
  auto [id, created] = store().enqueue(req);
  if (created) runner().wake();
  return id;
}

}  // namespace sg::worker

SG_PLUGIN(sg::worker::WorkerPlugin, "worker", "1.0.0",
          "durable background jobs on SQLite or PostgreSQL (service jobs v1, /api/v1/jobs)",
          sg::provides({{SG_JOBS_SERVICE, SG_JOBS_MAJOR, SG_JOBS_MINOR}}),
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR, 0}}))
