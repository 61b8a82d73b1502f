// Webhook endpoints (per owner) and the delivery log in SQL (migration component
// "worker_webhooks"): one row per (endpoint, event) delivery and one per attempt. Endpoints
// from the config file live in memory (WebhooksConfig) but their deliveries are logged here
// too, under their derived ids.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/database.hpp"

namespace sg::worker {

struct EndpointRecord {
  std::string id;
  std::string owner;
  std::string url;
  std::vector<std::string> topics;
  std::string description;
  std::string secret;  // never answered except on create and rotate-secret
  bool enabled = true;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// The endpoint as REST answers it; the secret only when `with_secret`.
nlohmann::json to_json(const EndpointRecord& e, bool with_secret);

struct EndpointChange {
  std::optional<std::string> url;
  std::optional<std::vector<std::string>> topics;
  std::optional<std::string> description;
  std::optional<bool> enabled;
};

struct DeliveryRecord {
  std::string id;
  std::string endpoint_id;
  std::string event_id;
  std::string topic;
  std::string body;    // the signed JSON body
  std::string status;  // pending | delivered | failed
  int64_t attempts = 0;
  int64_t series = 1;  // 1, then +1 per resend
  std::optional<std::string> job_id;
  std::optional<int64_t> last_status;  // HTTP status of the last answer
  std::optional<int64_t> last_latency_ms;
  std::optional<std::string> last_error;
  std::optional<std::string> last_response;  // body of the last answer, <= 1 KiB
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> delivered_at;
};

struct AttemptRecord {
  int64_t number = 0;  // 1-based over the delivery's whole life (all series)
  int64_t series = 1;
  int64_t started_at = 0;
  std::string outcome;  // delivered | http_error | refused | timeout | network_error
  std::optional<int64_t> status;
  int64_t latency_ms = 0;
  std::optional<std::string> error;
  std::optional<std::string> response;
};

nlohmann::json to_json(const DeliveryRecord& d);
nlohmann::json to_json(const AttemptRecord& a);

inline constexpr size_t kStoredResponseBytes = 1024;

class WebhookStore {
 public:
  explicit WebhookStore(sql::Database& db) : db_(db) {}

  void migrate();

  // --- endpoints
  void create_endpoint(const EndpointRecord& e);
  std::optional<EndpointRecord> endpoint(const std::string& id);
  // Newest first; owner = nullopt lists everyone's (admins).
  std::vector<EndpointRecord> list_endpoints(const std::optional<std::string>& owner, int64_t limit,
                                             const std::optional<std::string>& cursor,
                                             std::optional<std::string>* next_cursor);
  int64_t count_endpoints(const std::string& owner);
  // Enabled endpoints of `owner` (case-insensitive), for matching an event.
  std::vector<EndpointRecord> endpoints_of(const std::string& owner);
  bool update_endpoint(const std::string& id, const EndpointChange& change);
  bool set_secret(const std::string& id, const std::string& secret);
  // Deletes the endpoint with its delivery log. False when it did not exist.
  bool delete_endpoint(const std::string& id);

  // --- deliveries
  void create_delivery(const DeliveryRecord& d);
  void set_job(const std::string& delivery_id, const std::string& job_id);
  std::optional<DeliveryRecord> delivery(const std::string& id);
  std::vector<DeliveryRecord> list_deliveries(const std::string& endpoint_id, int64_t limit,
                                              const std::optional<std::string>& cursor,
                                              std::optional<std::string>* next_cursor);
  std::vector<AttemptRecord> attempts(const std::string& delivery_id);
  // Records one attempt and the delivery's new status (pending, delivered or failed) in one
  // transaction. False when the delivery is gone (endpoint deleted, pruned).
  bool record_attempt(const std::string& delivery_id, const AttemptRecord& a,
                      const std::string& new_status);
  // Resend: a failed or delivered delivery becomes pending in a new series. Returns the new
  // series, nullopt when it is still pending (or gone).
  std::optional<int64_t> restart(const std::string& delivery_id);

  // Pending deliveries older than `age_ms` with no job (the process stopped between the
  // delivery row and its job), at most `limit`.
  std::vector<DeliveryRecord> orphans(int64_t age_ms, int64_t limit);

  // Retention: deletes finished deliveries older than `max_age_ms`, and beyond the newest
  // `keep` of each endpoint, with their attempts. Pending ones stay. Returns rows deleted.
  int64_t prune(int64_t max_age_ms, int64_t keep);

 private:
  sql::Database& db_;
};

}  // namespace sg::worker
