// The durable job queue in SQL: every state change is one statement or one transaction, and
// every change to a running job is fenced by its lease token, so a runner that lost its lease
// (e.g. paused past expiry while another process re-claimed the job) cannot overwrite the
// new owner's work.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/database.hpp"

namespace sg::worker {

using json = nlohmann::json;

struct JobRecord {
  std::string id;
  std::string type;
  std::string payload;  // JSON text
  std::string state;    // queued | running | succeeded | dead | cancelled
  int64_t priority = 0;
  int64_t attempts = 0;
  int64_t max_attempts = 0;
  int64_t progress = 0;
  std::string progress_message;
  std::optional<std::string> last_error;
  std::optional<std::string> result;  // JSON text
  std::optional<std::string> owner;
  std::optional<std::string> idempotency_key;
  int64_t run_at = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> finished_at;
  bool cancel_requested = false;
};

json to_json(const JobRecord& j);

struct EnqueueRequest {
  std::string type;
  std::string payload = "{}";
  int64_t priority = 0;
  int64_t delay_ms = 0;
  int64_t max_attempts = 5;
  std::optional<std::string> idempotency_key;
  std::optional<std::string> owner;
};

struct ListQuery {
  std::optional<std::string> state;
  std::optional<std::string> type;
  std::optional<std::string> owner;  // compared case-insensitively
  int64_t limit = 20;
  std::optional<std::string> cursor;  // opaque, from a previous page
};

struct ListPage {
  std::vector<JobRecord> items;
  std::optional<std::string> next_cursor;
};

enum class CancelResult { not_found, finished, cancelled, requested };
enum class RetryResult { not_found, not_retryable, requeued };

class JobStore {
 public:
  explicit JobStore(sql::Database& db) : db_(db) {}

  // Applies the worker's migrations (start-up).
  void migrate();

  // Returns the job id and whether it was created (false: idempotency key already used).
  std::pair<std::string, bool> enqueue(const EnqueueRequest& req);

  // Claims the most urgent due job of one of `types` (or one whose lease expired), marking
  // it running under `token` until now + lease_ms. nullopt when nothing is due.
  std::optional<JobRecord> claim(const std::vector<std::string>& types, const std::string& token,
                                 int64_t lease_ms);

  // Extends the lease. nullopt when the lease was lost; otherwise cancel_requested.
  std::optional<bool> heartbeat(const std::string& id, const std::string& token, int64_t lease_ms);
  // Persists progress; same return convention as heartbeat.
  std::optional<bool> progress(const std::string& id, const std::string& token, int64_t percent,
                               const std::string& message);

  // Final transitions; false when the lease was lost (nothing changed).
  bool succeed(const std::string& id, const std::string& token,
               const std::optional<std::string>& result);
  // queued again after backoff_ms when retryable and attempts remain; dead otherwise;
  // cancelled when a cancel was requested meanwhile.
  bool fail(const std::string& id, const std::string& token, const std::string& error,
            bool retryable, int64_t backoff_ms);
  // Gives the job back without consuming the attempt (the worker plugin stopping).
  bool release(const std::string& id, const std::string& token);
  // A running job whose cancel was requested has returned: mark it cancelled.
  bool finish_cancelled(const std::string& id, const std::string& token);

  CancelResult cancel(const std::string& id);
  RetryResult retry(const std::string& id);
  std::optional<JobRecord> get(const std::string& id);
  ListPage list(const ListQuery& q);

  // Expired leases that cannot be re-claimed: out of attempts -> dead, cancel requested ->
  // cancelled. Returns the number of jobs changed.
  int64_t sweep();
  // Deletes finished jobs older than `age_ms`. Returns the number deleted.
  int64_t prune(int64_t age_ms);

 private:
  sql::Database& db_;
};

}  // namespace sg::worker
