#include "job_store.hpp"

#include <streamgate/plugin.hpp>

#include "sql/migrations.hpp"
#include "sql/util.hpp"

namespace sg::worker {
namespace {

using sql::Driver;
using sql::Params;
using sql::Row;
using sql::Session;

constexpr const char* kColumns =
    "id, type, payload, state, priority, attempts, max_attempts, progress, progress_message, "
    "last_error, result, owner, idempotency_key, run_at, created_at, updated_at, finished_at, "
    "cancel_requested";

// One schema for both backends: BIGINT and TEXT mean the same thing to SQLite and
// PostgreSQL, and times are epoch milliseconds so ordering and arithmetic are portable.
constexpr const char* kSchemaV1 = R"(
CREATE TABLE sg_jobs (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  priority BIGINT NOT NULL DEFAULT 0,
  attempts BIGINT NOT NULL DEFAULT 0,
  max_attempts BIGINT NOT NULL,
  progress BIGINT NOT NULL DEFAULT 0,
  progress_message TEXT NOT NULL DEFAULT '',
  last_error TEXT,
  result TEXT,
  owner TEXT,
  owner_key TEXT,
  idempotency_key TEXT,
  run_at BIGINT NOT NULL,
  lease_token TEXT,
  lease_until BIGINT,
  cancel_requested BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE UNIQUE INDEX sg_jobs_idempotency ON sg_jobs (type, idempotency_key);
CREATE INDEX sg_jobs_due ON sg_jobs (state, run_at);
CREATE INDEX sg_jobs_created ON sg_jobs (created_at, id);
CREATE INDEX sg_jobs_owner ON sg_jobs (owner_key, created_at);
)";

JobRecord from_row(const Row& r) {
  JobRecord j;
  j.id = r.str("id");
  j.type = r.str("type");
  j.payload = r.str("payload");
  j.state = r.str("state");
  j.priority = r.i64("priority");
  j.attempts = r.i64("attempts");
  j.max_attempts = r.i64("max_attempts");
  j.progress = r.i64("progress");
  j.progress_message = r.str("progress_message");
  j.last_error = r.opt_str("last_error");
  j.result = r.opt_str("result");
  j.owner = r.opt_str("owner");
  j.idempotency_key = r.opt_str("idempotency_key");
  j.run_at = r.i64("run_at");
  j.created_at = r.i64("created_at");
  j.updated_at = r.i64("updated_at");
  j.finished_at = r.opt_i64("finished_at");
  j.cancel_requested = r.i64("cancel_requested") != 0;
  return j;
}

json parse_or_text(const std::string& s) {
  json v = json::parse(s, nullptr, false);
  return v.is_discarded() ? json(s) : v;
}

// "$n". Built with append: GCC 12 warns (-Wrestrict, a known false positive) about
// "literal" + std::to_string(...).
std::string ph(size_t n) {
  std::string s("$");
  s.append(std::to_string(n));
  return s;
}

std::optional<bool> beat_result(const sql::Result& r) {
  auto row = r.first();
  if (!row) return std::nullopt;
  return row->i64(0) != 0;
}

}  // namespace

json to_json(const JobRecord& j) {
  return json{{"id", j.id},
              {"type", j.type},
              {"state", j.state},
              {"payload", parse_or_text(j.payload)},
              {"priority", j.priority},
              {"attempts", j.attempts},
              {"max_attempts", j.max_attempts},
              {"progress", j.progress},
              {"progress_message", j.progress_message},
              {"last_error", j.last_error ? json(*j.last_error) : json(nullptr)},
              {"result", j.result ? parse_or_text(*j.result) : json(nullptr)},
              {"owner", j.owner ? json(*j.owner) : json(nullptr)},
              {"idempotency_key", j.idempotency_key ? json(*j.idempotency_key) : json(nullptr)},
              {"cancel_requested", j.cancel_requested},
              {"run_at", sql::rfc3339(j.run_at)},
              {"created_at", sql::rfc3339(j.created_at)},
              {"updated_at", sql::rfc3339(j.updated_at)},
              {"finished_at", j.finished_at ? json(sql::rfc3339(*j.finished_at)) : json(nullptr)}};
}

void JobStore::migrate() {
  sql::migrate(db_, "worker", {{1, kSchemaV1, kSchemaV1}});
}

std::pair<std::string, bool> JobStore::enqueue(const EnqueueRequest& req) {
  std::string id = sql::uuid_v4();
  bool created = false;
  int64_t now = sql::now_ms();
  db_.write([&](Session& s) {
    auto r = s.exec(
        "INSERT INTO sg_jobs (id, type, payload, state, priority, max_attempts, owner, owner_key, "
        "idempotency_key, run_at, created_at, updated_at) VALUES ($1, $2, $3, 'queued', $4, $5, "
        "$6, $7, $8, $9, $10, $10) ON CONFLICT DO NOTHING",
        {id, req.type, req.payload, req.priority, req.max_attempts, sql::opt(req.owner),
         req.owner ? sql::Value(sql::lower(*req.owner)) : sql::Value(nullptr),
         sql::opt(req.idempotency_key), now + req.delay_ms, now});
    if (r.affected == 1) {
      created = true;
      return;
    }
    if (!req.idempotency_key) throw Error(SG_ERR_INTERNAL, "job insert was ignored");
    auto existing = s.exec("SELECT id FROM sg_jobs WHERE type = $1 AND idempotency_key = $2",
                           {req.type, *req.idempotency_key});
    if (existing.empty()) throw Error(SG_ERR_CONFLICT, "idempotent enqueue raced; retry");
    id = existing.row(0).str(0);
  });
  return {id, created};
}

std::optional<JobRecord> JobStore::claim(const std::vector<std::string>& types,
                                         const std::string& token, int64_t lease_ms) {
  if (types.empty()) return std::nullopt;
  {
    // Idle runner threads poll often: probe on a reader first so an empty queue costs no write
    // transaction (on SQLite that would take the database's single write lock every poll).
    int64_t now = sql::now_ms();
    Params p{now};
    std::string in;
    for (const auto& t : types) {
      p.push_back(t);
      if (!in.empty()) in.append(", ");
      in.append(ph(p.size()));
    }
    bool due = false;
    db_.read([&](Session& s) {
      due = !s.exec("SELECT 1 FROM sg_jobs WHERE type IN (" + in +
                        ") AND ((state = 'queued' AND run_at <= $1) OR (state = 'running' AND "
                        "lease_until < $1 AND attempts < max_attempts AND cancel_requested = 0)) "
                        "LIMIT 1",
                    p)
                 .empty();
    });
    if (!due) return std::nullopt;
  }
  std::optional<JobRecord> out;
  db_.write([&](Session& s) {
    int64_t now = sql::now_ms();
    Params p{token, now + lease_ms, now};
    std::string in;
    for (const auto& t : types) {
      p.push_back(t);
      if (!in.empty()) in.append(", ");
      in.append(ph(p.size()));
    }
    // PostgreSQL: SKIP LOCKED lets concurrent claimers pass over each other's candidate row
    // instead of queueing on it. SQLite: the whole write transaction holds the database's
    // write lock (BEGIN IMMEDIATE), so the select-then-update cannot interleave.
    std::string lock = s.driver() == Driver::postgres ? " FOR UPDATE SKIP LOCKED" : "";
    std::string sql =
        "UPDATE sg_jobs SET state = 'running', attempts = attempts + 1, lease_token = $1, "
        "lease_until = $2, updated_at = $3 WHERE id = (SELECT id FROM sg_jobs WHERE type IN (" +
        in +
        ") AND ((state = 'queued' AND run_at <= $3) OR (state = 'running' AND lease_until < $3 "
        "AND attempts < max_attempts AND cancel_requested = 0)) ORDER BY priority DESC, run_at, "
        "id LIMIT 1" +
        lock + ") RETURNING " + kColumns;
    auto r = s.exec(sql, p);
    if (auto row = r.first()) out = from_row(*row);
  });
  return out;
}

std::optional<bool> JobStore::heartbeat(const std::string& id, const std::string& token,
                                        int64_t lease_ms) {
  std::optional<bool> out;
  db_.write([&](Session& s) {
    int64_t now = sql::now_ms();
    out = beat_result(
        s.exec("UPDATE sg_jobs SET lease_until = $1 WHERE id = $2 AND lease_token = $3 AND state = "
               "'running' RETURNING cancel_requested",
               {now + lease_ms, id, token}));
  });
  return out;
}

std::optional<bool> JobStore::progress(const std::string& id, const std::string& token,
                                       int64_t percent, const std::string& message) {
  std::optional<bool> out;
  db_.write([&](Session& s) {
    out = beat_result(s.exec(
        "UPDATE sg_jobs SET progress = $1, progress_message = $2, updated_at = $3 WHERE id = $4 "
        "AND lease_token = $5 AND state = 'running' RETURNING cancel_requested",
        {percent, message, sql::now_ms(), id, token}));
  });
  return out;
}

bool JobStore::succeed(const std::string& id, const std::string& token,
                       const std::optional<std::string>& result) {
  int64_t n = 0;
  db_.write([&](Session& s) {
    int64_t now = sql::now_ms();
    n = s.exec(
             "UPDATE sg_jobs SET state = 'succeeded', progress = 100, result = $1, "
             "lease_token = NULL, lease_until = NULL, updated_at = $2, finished_at = $2 "
             "WHERE id = $3 AND lease_token = $4 AND state = 'running'",
             {sql::opt(result), now, id, token})
            .affected;
  });
  return n == 1;
}

bool JobStore::fail(const std::string& id, const std::string& token, const std::string& error,
                    bool retryable, int64_t backoff_ms) {
  int64_t n = 0;
  db_.write([&](Session& s) {
    int64_t now = sql::now_ms();
    n = s.exec(
             "UPDATE sg_jobs SET state = CASE WHEN cancel_requested = 1 THEN 'cancelled' "
             "WHEN $1 = 1 AND attempts < max_attempts THEN 'queued' ELSE 'dead' END, "
             "last_error = $2, run_at = $3, lease_token = NULL, lease_until = NULL, "
             "updated_at = $4, finished_at = CASE WHEN cancel_requested = 1 OR $1 = 0 OR "
             "attempts >= max_attempts THEN $4 ELSE NULL END "
             "WHERE id = $5 AND lease_token = $6 AND state = 'running'",
             {int64_t{retryable ? 1 : 0}, error, now + backoff_ms, now, id, token})
            .affected;
  });
  return n == 1;
}

bool JobStore::release(const std::string& id, const std::string& token) {
  int64_t n = 0;
  db_.write([&](Session& s) {
    int64_t now = sql::now_ms();
    n = s.exec(
             "UPDATE sg_jobs SET state = CASE WHEN cancel_requested = 1 THEN 'cancelled' "
             "ELSE 'queued' END, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 "
             "END, run_at = $1, lease_token = NULL, lease_until = NULL, updated_at = $1, "
             "finished_at = CASE WHEN cancel_requested = 1 THEN $1 ELSE NULL END "
             "WHERE id = $2 AND lease_token = $3 AND state = 'running'",
             {now, id, token})
            .affected;
  });
  return n == 1;
}

bool JobStore::finish_cancelled(const std::string& id, const std::string& token) {
  int64_t n = 0;
  db_.write([&](Session& s) {
    int64_t now = sql::now_ms();
    n = s.exec(
             "UPDATE sg_jobs SET state = 'cancelled', lease_token = NULL, lease_until = NULL, "
             "updated_at = $1, finished_at = $1 WHERE id = $2 AND lease_token = $3 AND "
             "state = 'running'",
             {now, id, token})
            .affected;
  });
  return n == 1;
}

CancelResult JobStore::cancel(const std::string& id) {
  CancelResult out = CancelResult::not_found;
  db_.write([&](Session& s) {
    int64_t now = sql::now_ms();
    auto r = s.exec("SELECT state FROM sg_jobs WHERE id = $1", {id});
    auto row = r.first();
    if (!row) return;
    std::string state = row->str(0);
    if (state == "queued") {
      s.exec(
          "UPDATE sg_jobs SET state = 'cancelled', updated_at = $1, finished_at = $1 "
          "WHERE id = $2",
          {now, id});
      out = CancelResult::cancelled;
    } else if (state == "running") {
      // The running handler learns of it through heartbeat/progress and stops.
      s.exec("UPDATE sg_jobs SET cancel_requested = 1, updated_at = $1 WHERE id = $2", {now, id});
      out = CancelResult::requested;
    } else {
      out = CancelResult::finished;
    }
  });
  return out;
}

RetryResult JobStore::retry(const std::string& id) {
  RetryResult out = RetryResult::not_found;
  db_.write([&](Session& s) {
    int64_t now = sql::now_ms();
    auto r = s.exec("SELECT state FROM sg_jobs WHERE id = $1", {id});
    auto row = r.first();
    if (!row) return;
    std::string state = row->str(0);
    if (state != "dead" && state != "cancelled") {
      out = RetryResult::not_retryable;
      return;
    }
    // A manual retry gets a fresh set of attempts; last_error stays for reference.
    s.exec(
        "UPDATE sg_jobs SET state = 'queued', attempts = 0, cancel_requested = 0, "
        "progress = 0, progress_message = '', run_at = $1, updated_at = $1, "
        "finished_at = NULL WHERE id = $2",
        {now, id});
    out = RetryResult::requeued;
  });
  return out;
}

std::optional<JobRecord> JobStore::get(const std::string& id) {
  std::optional<JobRecord> out;
  db_.read([&](Session& s) {
    auto r = s.exec(std::string("SELECT ") + kColumns + " FROM sg_jobs WHERE id = $1", {id});
    if (auto row = r.first()) out = from_row(*row);
  });
  return out;
}

ListPage JobStore::list(const ListQuery& q) {
  Params p;
  std::string where = " WHERE 1 = 1";
  auto add = [&](const std::string& cond, sql::Value v) {
    p.push_back(std::move(v));
    std::string marker = ph(p.size());
    std::string c = cond;
    for (size_t pos; (pos = c.find('?')) != std::string::npos;) c.replace(pos, 1, marker);
    where += " AND " + c;
  };
  if (q.state) add("state = ?", *q.state);
  if (q.type) add("type = ?", *q.type);
  if (q.owner) add("owner_key = ?", sql::lower(*q.owner));
  if (q.cursor) {
    auto cursor = sql::decode_cursor(*q.cursor);
    if (!cursor) throw Error(SG_ERR_INVALID, "cursor: invalid");
    int64_t at = cursor->created_at;
    const std::string& cid = cursor->id;
    // Newest first; (created_at, id) is unique, so the order is total and stable.
    p.push_back(at);
    std::string a = ph(p.size());
    p.push_back(cid);
    std::string b = ph(p.size());
    where += " AND (created_at < " + a + " OR (created_at = " + a + " AND id < " + b + "))";
  }
  p.push_back(q.limit + 1);
  std::string sql = std::string("SELECT ") + kColumns + " FROM sg_jobs" + where +
                    " ORDER BY created_at DESC, id DESC LIMIT " + ph(p.size());
  ListPage page;
  db_.read([&](Session& s) {
    auto r = s.exec(sql, p);
    for (size_t i = 0; i < r.size(); ++i) page.items.push_back(from_row(r.row(i)));
  });
  if (static_cast<int64_t>(page.items.size()) > q.limit) {
    page.items.pop_back();
    const auto& last = page.items.back();
    page.next_cursor = sql::encode_cursor({last.created_at, last.id});
  }
  return page;
}

int64_t JobStore::sweep() {
  int64_t n = 0;
  db_.write([&](Session& s) {
    int64_t now = sql::now_ms();
    n += s.exec(
              "UPDATE sg_jobs SET state = 'cancelled', lease_token = NULL, lease_until = NULL, "
              "updated_at = $1, finished_at = $1 WHERE state = 'running' AND lease_until < $1 "
              "AND cancel_requested = 1",
              {now})
             .affected;
    n += s.exec(
              "UPDATE sg_jobs SET state = 'dead', last_error = COALESCE(last_error || '; ', '') "
              "|| 'lease expired on the last attempt (worker died?)', lease_token = NULL, "
              "lease_until = NULL, updated_at = $1, finished_at = $1 WHERE state = 'running' "
              "AND lease_until < $1 AND attempts >= max_attempts",
              {now})
             .affected;
  });
  return n;
}

int64_t JobStore::prune(int64_t age_ms) {
  int64_t n = 0;
  db_.write([&](Session& s) {
    n = s.exec(
             "DELETE FROM sg_jobs WHERE state IN ('succeeded', 'dead', 'cancelled') AND "
             "finished_at < $1",
             {sql::now_ms() - age_ms})
            .affected;
  });
  return n;
}

}  // namespace sg::worker
