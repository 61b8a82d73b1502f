// The worker's shared state: database, job store, runner threads, enqueue.
#include "context.hpp"

#include "job_types.hpp"
#include "sql/util.hpp"

namespace sg::worker {

Context::~Context() {
  close();
}

void Context::open() {
  auto section = host_.config("database");
  auto dbc = sql::Config::from_json(section ? *section : json::object());
  db_ = sql::Database::open(dbc);  // throws with host/port + reason; start-up then fails
  store_ = std::make_unique<JobStore>(*db_);
  store_->migrate();
  Host h = host_;
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
  if (config_.webhooks.enabled) {
    webhooks_ = std::make_unique<Webhooks>(
        host_, config_.webhooks, *db_, *runner_,
        [this](const std::string& type, const std::string& payload, const sg_job_options* o) {
          return enqueue(type, payload, o);
        });
    webhooks_->start();
  }
}

void Context::close() {
  if (webhooks_) webhooks_->stop();
  if (runner_) runner_->stop();
}

json Context::health() const {
  if (!db_ || !runner_) return json{{"healthy", false}, {"reason", "not started"}};
  bool ok = db_->healthy();
  return json{{"healthy", ok},
              {"database", db_->describe()},
              {"runner", runner_->stats()},
              {"webhooks", webhooks_ ? webhooks_->health() : json{{"enabled", false}}}};
}

const sql::Database& Context::database() const {
  if (!db_) throw Error(SG_ERR_UNAVAILABLE, "the worker is not started");
  return *db_;
}

JobStore& Context::store() {
  if (!store_) throw Error(SG_ERR_UNAVAILABLE, "the worker is not started");
  return *store_;
}

Runner& Context::runner() {
  if (!runner_) throw Error(SG_ERR_UNAVAILABLE, "the worker is not started");
  return *runner_;
}

std::string Context::enqueue(const std::string& type, const std::string& payload,
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
