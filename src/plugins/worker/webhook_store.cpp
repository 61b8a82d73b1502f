#include "webhook_store.hpp"

#include <streamgate/plugin.hpp>

#include "sql/migrations.hpp"
#include "sql/util.hpp"

namespace sg::worker {
namespace {

using sql::Params;
using sql::Row;
using sql::Session;

// One schema for both backends (BIGINT/TEXT, epoch-ms times), as sg_jobs.
constexpr const char* kSchemaV1 = R"(
CREATE TABLE sg_webhook_endpoints (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  owner_key TEXT NOT NULL,
  url TEXT NOT NULL,
  topics TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  secret TEXT NOT NULL,
  enabled BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX sg_webhook_endpoints_owner ON sg_webhook_endpoints (owner_key, created_at);
CREATE INDEX sg_webhook_endpoints_created ON sg_webhook_endpoints (created_at, id);
CREATE TABLE sg_webhook_deliveries (
  id TEXT PRIMARY KEY,
  endpoint_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  series BIGINT NOT NULL DEFAULT 1,
  job_id TEXT,
  last_status BIGINT,
  last_latency_ms BIGINT,
  last_error TEXT,
  last_response TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  delivered_at BIGINT
);
CREATE INDEX sg_webhook_deliveries_endpoint ON sg_webhook_deliveries (endpoint_id, created_at, id);
CREATE INDEX sg_webhook_deliveries_status ON sg_webhook_deliveries (status, created_at);
CREATE TABLE sg_webhook_attempts (
  delivery_id TEXT NOT NULL,
  number BIGINT NOT NULL,
  series BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  outcome TEXT NOT NULL,
  status BIGINT,
  latency_ms BIGINT NOT NULL,
  error TEXT,
  response TEXT,
  PRIMARY KEY (delivery_id, number)
);
)";

constexpr const char* kEndpointColumns =
    "id, owner, url, topics, description, secret, enabled, created_at, updated_at";
constexpr const char* kDeliveryColumns =
    "id, endpoint_id, event_id, topic, body, status, attempts, series, job_id, last_status, "
    "last_latency_ms, last_error, last_response, created_at, updated_at, delivered_at";

std::string ph(size_t n) {
  std::string s("$");
  s.append(std::to_string(n));
  return s;
}

std::string topics_text(const std::vector<std::string>& t) {
  return nlohmann::json(t).dump();
}

EndpointRecord endpoint_from(const Row& r) {
  EndpointRecord e;
  e.id = r.str("id");
  e.owner = r.str("owner");
  e.url = r.str("url");
  auto topics = nlohmann::json::parse(r.str("topics"), nullptr, false);
  if (topics.is_array())
    for (const auto& t : topics)
      if (t.is_string()) e.topics.push_back(t.get<std::string>());
  e.description = r.str("description");
  e.secret = r.str("secret");
  e.enabled = r.i64("enabled") != 0;
  e.created_at = r.i64("created_at");
  e.updated_at = r.i64("updated_at");
  return e;
}

DeliveryRecord delivery_from(const Row& r) {
  DeliveryRecord d;
  d.id = r.str("id");
  d.endpoint_id = r.str("endpoint_id");
  d.event_id = r.str("event_id");
  d.topic = r.str("topic");
  d.body = r.str("body");
  d.status = r.str("status");
  d.attempts = r.i64("attempts");
  d.series = r.i64("series");
  d.job_id = r.opt_str("job_id");
  d.last_status = r.opt_i64("last_status");
  d.last_latency_ms = r.opt_i64("last_latency_ms");
  d.last_error = r.opt_str("last_error");
  d.last_response = r.opt_str("last_response");
  d.created_at = r.i64("created_at");
  d.updated_at = r.i64("updated_at");
  d.delivered_at = r.opt_i64("delivered_at");
  return d;
}

template <typename T>
nlohmann::json opt_json(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// " AND (created_at, id) before the cursor" for a newest-first listing.
void add_cursor(const std::optional<std::string>& cursor, Params& p, std::string& where) {
  if (!cursor) return;
  auto c = sql::decode_cursor(*cursor);
  if (!c) throw Error(SG_ERR_INVALID, "cursor: invalid");
  p.push_back(c->created_at);
  std::string a = ph(p.size());
  p.push_back(c->id);
  std::string b = ph(p.size());
  where += " AND (created_at < " + a + " OR (created_at = " + a + " AND id < " + b + "))";
}

}  // namespace

nlohmann::json to_json(const EndpointRecord& e, bool with_secret) {
  nlohmann::json j{{"id", e.id},
                   {"owner", e.owner},
                   {"url", e.url},
                   {"topics", e.topics},
                   {"description", e.description},
                   {"enabled", e.enabled},
                   {"global", false},
                   {"created_at", sql::rfc3339(e.created_at)},
                   {"updated_at", sql::rfc3339(e.updated_at)}};
  if (with_secret) j["secret"] = e.secret;
  return j;
}

nlohmann::json to_json(const DeliveryRecord& d) {
  return nlohmann::json{
      {"id", d.id},
      {"endpoint_id", d.endpoint_id},
      {"event_id", d.event_id},
      {"topic", d.topic},
      {"status", d.status},
      {"attempts", d.attempts},
      {"series", d.series},
      {"job_id", opt_json(d.job_id)},
      {"last_status", opt_json(d.last_status)},
      {"last_latency_ms", opt_json(d.last_latency_ms)},
      {"last_error", opt_json(d.last_error)},
      {"last_response", opt_json(d.last_response)},
      {"created_at", sql::rfc3339(d.created_at)},
      {"updated_at", sql::rfc3339(d.updated_at)},
      {"delivered_at", d.delivered_at ? nlohmann::json(sql::rfc3339(*d.delivered_at)) : nullptr}};
}

nlohmann::json to_json(const AttemptRecord& a) {
  return nlohmann::json{{"number", a.number},
                        {"series", a.series},
                        {"started_at", sql::rfc3339(a.started_at)},
                        {"outcome", a.outcome},
                        {"status", opt_json(a.status)},
                        {"latency_ms", a.latency_ms},
                        {"error", opt_json(a.error)},
                        {"response", opt_json(a.response)}};
}

void WebhookStore::migrate() {
  sql::migrate(db_, "worker_webhooks", {{1, kSchemaV1, kSchemaV1}});
}

void WebhookStore::create_endpoint(const EndpointRecord& e) {
  db_.write([&](Session& s) {
    s.exec(
        "INSERT INTO sg_webhook_endpoints (id, owner, owner_key, url, topics, description, "
        "secret, enabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
        "$9)",
        {e.id, e.owner, sql::lower(e.owner), e.url, topics_text(e.topics), e.description, e.secret,
         int64_t{e.enabled ? 1 : 0}, e.created_at});
  });
}

std::optional<EndpointRecord> WebhookStore::endpoint(const std::string& id) {
  std::optional<EndpointRecord> out;
  db_.read([&](Session& s) {
    auto r = s.exec(
        std::string("SELECT ") + kEndpointColumns + " FROM sg_webhook_endpoints WHERE id = $1",
        {id});
    if (auto row = r.first()) out = endpoint_from(*row);
  });
  return out;
}

std::vector<EndpointRecord> WebhookStore::list_endpoints(const std::optional<std::string>& owner,
                                                         int64_t limit,
                                                         const std::optional<std::string>& cursor,
                                                         std::optional<std::string>* next_cursor) {
  Params p;
  std::string where = " WHERE 1 = 1";
  if (owner) {
    p.push_back(sql::lower(*owner));
    where += " AND owner_key = " + ph(p.size());
  }
  add_cursor(cursor, p, where);
  p.push_back(limit + 1);
  std::string q = std::string("SELECT ") + kEndpointColumns + " FROM sg_webhook_endpoints" + where +
                  " ORDER BY created_at DESC, id DESC LIMIT " + ph(p.size());
  std::vector<EndpointRecord> out;
  db_.read([&](Session& s) {
    auto r = s.exec(q, p);
    for (size_t i = 0; i < r.size(); ++i) out.push_back(endpoint_from(r.row(i)));
  });
  if (static_cast<int64_t>(out.size()) > limit) {
    out.pop_back();
    *next_cursor = sql::encode_cursor({out.back().created_at, out.back().id});
  }
  return out;
}

int64_t WebhookStore::count_endpoints(const std::string& owner) {
  int64_t n = 0;
  db_.read([&](Session& s) {
    n = s.exec("SELECT COUNT(*) FROM sg_webhook_endpoints WHERE owner_key = $1",
               {sql::lower(owner)})
            .first()
            ->i64(0);
  });
  return n;
}

std::vector<EndpointRecord> WebhookStore::endpoints_of(const std::string& owner) {
  std::vector<EndpointRecord> out;
  db_.read([&](Session& s) {
    auto r = s.exec(std::string("SELECT ") + kEndpointColumns +
                        " FROM sg_webhook_endpoints WHERE owner_key = $1 AND enabled = 1",
                    {sql::lower(owner)});
    for (size_t i = 0; i < r.size(); ++i) out.push_back(endpoint_from(r.row(i)));
  });
  return out;
}

bool WebhookStore::update_endpoint(const std::string& id, const EndpointChange& c) {
  Params p;
  std::string set;
  auto add = [&](const char* column, sql::Value v) {
    p.push_back(std::move(v));
    set += std::string(", ") + column + " = " + ph(p.size());
  };
  if (c.url) add("url", *c.url);
  if (c.topics) add("topics", topics_text(*c.topics));
  if (c.description) add("description", *c.description);
  if (c.enabled) add("enabled", int64_t{*c.enabled ? 1 : 0});
  p.push_back(sql::now_ms());
  std::string now = ph(p.size());
  p.push_back(id);
  std::string q =
      "UPDATE sg_webhook_endpoints SET updated_at = " + now + set + " WHERE id = " + ph(p.size());
  bool found = false;
  db_.write([&](Session& s) { found = s.exec(q, p).affected == 1; });
  return found;
}

bool WebhookStore::set_secret(const std::string& id, const std::string& secret) {
  bool found = false;
  db_.write([&](Session& s) {
    found = s.exec("UPDATE sg_webhook_endpoints SET secret = $1, updated_at = $2 WHERE id = $3",
                   {secret, sql::now_ms(), id})
                .affected == 1;
  });
  return found;
}

bool WebhookStore::delete_endpoint(const std::string& id) {
  bool found = false;
  db_.write([&](Session& s) {
    found = s.exec("DELETE FROM sg_webhook_endpoints WHERE id = $1", {id}).affected == 1;
    s.exec(
        "DELETE FROM sg_webhook_attempts WHERE delivery_id IN (SELECT id FROM "
        "sg_webhook_deliveries WHERE endpoint_id = $1)",
        {id});
    s.exec("DELETE FROM sg_webhook_deliveries WHERE endpoint_id = $1", {id});
  });
  return found;
}

void WebhookStore::create_delivery(const DeliveryRecord& d) {
  db_.write([&](Session& s) {
    s.exec(
        "INSERT INTO sg_webhook_deliveries (id, endpoint_id, event_id, topic, body, status, "
        "attempts, series, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, 1, "
        "$6, $6)",
        {d.id, d.endpoint_id, d.event_id, d.topic, d.body, d.created_at});
  });
}

void WebhookStore::set_job(const std::string& delivery_id, const std::string& job_id) {
  db_.write([&](Session& s) {
    s.exec("UPDATE sg_webhook_deliveries SET job_id = $1 WHERE id = $2", {job_id, delivery_id});
  });
}

std::optional<DeliveryRecord> WebhookStore::delivery(const std::string& id) {
  std::optional<DeliveryRecord> out;
  db_.read([&](Session& s) {
    auto r = s.exec(
        std::string("SELECT ") + kDeliveryColumns + " FROM sg_webhook_deliveries WHERE id = $1",
        {id});
    if (auto row = r.first()) out = delivery_from(*row);
  });
  return out;
}

std::vector<DeliveryRecord> WebhookStore::list_deliveries(const std::string& endpoint_id,
                                                          int64_t limit,
                                                          const std::optional<std::string>& cursor,
                                                          std::optional<std::string>* next_cursor) {
  Params p{endpoint_id};
  std::string where = " WHERE endpoint_id = $1";
  add_cursor(cursor, p, where);
  p.push_back(limit + 1);
  std::string q = std::string("SELECT ") + kDeliveryColumns + " FROM sg_webhook_deliveries" +
                  where + " ORDER BY created_at DESC, id DESC LIMIT " + ph(p.size());
  std::vector<DeliveryRecord> out;
  db_.read([&](Session& s) {
    auto r = s.exec(q, p);
    for (size_t i = 0; i < r.size(); ++i) out.push_back(delivery_from(r.row(i)));
  });
  if (static_cast<int64_t>(out.size()) > limit) {
    out.pop_back();
    *next_cursor = sql::encode_cursor({out.back().created_at, out.back().id});
  }
  return out;
}

std::vector<AttemptRecord> WebhookStore::attempts(const std::string& delivery_id) {
  std::vector<AttemptRecord> out;
  db_.read([&](Session& s) {
    auto r = s.exec(
        "SELECT number, series, started_at, outcome, status, latency_ms, error, response FROM "
        "sg_webhook_attempts WHERE delivery_id = $1 ORDER BY number",
        {delivery_id});
    for (size_t i = 0; i < r.size(); ++i) {
      auto row = r.row(i);
      AttemptRecord a;
      a.number = row.i64("number");
      a.series = row.i64("series");
      a.started_at = row.i64("started_at");
      a.outcome = row.str("outcome");
      a.status = row.opt_i64("status");
      a.latency_ms = row.i64("latency_ms");
      a.error = row.opt_str("error");
      a.response = row.opt_str("response");
      out.push_back(std::move(a));
    }
  });
  return out;
}

bool WebhookStore::record_attempt(const std::string& delivery_id, const AttemptRecord& a,
                                  const std::string& new_status) {
  bool found = false;
  db_.write([&](Session& s) {
    auto cur =
        s.exec("SELECT attempts, series FROM sg_webhook_deliveries WHERE id = $1", {delivery_id})
            .first();
    if (!cur) return;
    found = true;
    int64_t number = cur->i64(0) + 1;
    int64_t now = sql::now_ms();
    s.exec(
        "INSERT INTO sg_webhook_attempts (delivery_id, number, series, started_at, outcome, "
        "status, latency_ms, error, response) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {delivery_id, number, cur->i64(1), a.started_at, a.outcome, sql::opt(a.status),
         a.latency_ms, sql::opt(a.error), sql::opt(a.response)});
    s.exec(
        "UPDATE sg_webhook_deliveries SET attempts = $1, status = $2, last_status = $3, "
        "last_latency_ms = $4, last_error = $5, last_response = $6, updated_at = $7, "
        "delivered_at = CASE WHEN $2 = 'delivered' THEN $7 ELSE delivered_at END WHERE id = $8",
        {number, new_status, sql::opt(a.status), a.latency_ms, sql::opt(a.error),
         sql::opt(a.response), now, delivery_id});
  });
  return found;
}

std::optional<int64_t> WebhookStore::restart(const std::string& delivery_id) {
  std::optional<int64_t> series;
  db_.write([&](Session& s) {
    auto r = s.exec(
        "UPDATE sg_webhook_deliveries SET status = 'pending', series = series + 1, job_id = "
        "NULL, updated_at = $1 WHERE id = $2 AND status <> 'pending'",
        {sql::now_ms(), delivery_id});
    if (r.affected != 1) return;
    series = s.exec("SELECT series FROM sg_webhook_deliveries WHERE id = $1", {delivery_id})
                 .first()
                 ->i64(0);
  });
  return series;
}

std::vector<DeliveryRecord> WebhookStore::orphans(int64_t age_ms, int64_t limit) {
  std::vector<DeliveryRecord> out;
  db_.read([&](Session& s) {
    auto r = s.exec(std::string("SELECT ") + kDeliveryColumns +
                        " FROM sg_webhook_deliveries WHERE status = 'pending' AND job_id IS "
                        "NULL AND updated_at < $1 ORDER BY created_at LIMIT $2",
                    {sql::now_ms() - age_ms, limit});
    for (size_t i = 0; i < r.size(); ++i) out.push_back(delivery_from(r.row(i)));
  });
  return out;
}

int64_t WebhookStore::prune(int64_t max_age_ms, int64_t keep) {
  int64_t n = 0;
  // Endpoints over their quota, found outside the write lock.
  std::vector<std::string> crowded;
  db_.read([&](Session& s) {
    auto r = s.exec(
        "SELECT endpoint_id FROM sg_webhook_deliveries GROUP BY endpoint_id HAVING COUNT(*) > $1",
        {keep});
    for (size_t i = 0; i < r.size(); ++i) crowded.push_back(r.row(i).str(0));
  });
  db_.write([&](Session& s) {
    n += s.exec("DELETE FROM sg_webhook_deliveries WHERE status <> 'pending' AND created_at < $1",
                {sql::now_ms() - max_age_ms})
             .affected;
    for (const auto& endpoint : crowded) {
      // The newest `keep` stay; everything from the (keep + 1)-th down goes.
      auto edge = s.exec(
                       "SELECT created_at, id FROM sg_webhook_deliveries WHERE endpoint_id = $1 "
                       "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $2",
                       {endpoint, keep})
                      .first();
      if (!edge) continue;
      n += s.exec(
                "DELETE FROM sg_webhook_deliveries WHERE endpoint_id = $1 AND status <> 'pending' "
                "AND (created_at < $2 OR (created_at = $2 AND id <= $3))",
                {endpoint, edge->i64(0), edge->str(1)})
               .affected;
    }
    if (n > 0)
      s.exec(
          "DELETE FROM sg_webhook_attempts WHERE delivery_id NOT IN (SELECT id FROM "
          "sg_webhook_deliveries)");
  });
  return n;
}

}  // namespace sg::worker
