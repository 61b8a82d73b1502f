#include "analytics.hpp"

#include <ctime>
#include <functional>

namespace sg::streaming {

int64_t unix_now() {
  return static_cast<int64_t>(std::time(nullptr));
}

Analytics::Analytics(Host host, std::unique_ptr<sql::Database> db)
    : host_(host), db_(std::move(db)), store_(*db_) {
  store_.migrate();
  refresh_salts(utc_day(unix_now()));
}

void Analytics::refresh_salts(int64_t today) {
  if (today == salts_day_) return;  // once per day (and again after a failure)
  // Tomorrow's salt is stored ahead, so the segment path has it at midnight without SQL.
  for (int64_t day : {today, today + 1}) {
    HashKey candidate = salts_.get(day).value_or(random_hash_key());
    salts_.set(day, store_.salt_for(day, candidate));
  }
  store_.forget_salts_before(today);
  salts_.forget_before(today);
  salts_day_ = today;
}

ViewerId Analytics::anonymous(std::string_view ip, std::string_view user_agent, int64_t now) {
  return anonymous_viewer(salts_.get_or_make(utc_day(now)), ip, user_agent);
}

uint64_t Analytics::token_session(std::string_view token) const {
  // In memory only, never stored: the library's fast string hash is enough (the tokens are
  // minted by auth, not chosen by clients, so they cannot be crafted to collide).
  uint64_t h = std::hash<std::string_view>{}(token);
  return h == 0 ? 1 : h;
}

bool Analytics::flush() {
  std::lock_guard lock(flush_mu_);
  const int64_t now = unix_now();
  try {
    refresh_salts(utc_day(now));
  } catch (const std::exception& e) {
    host_.warn(std::string("streaming: analytics salts not refreshed: ") + e.what());
  }
  ViewBatch batch = counter_.drain(now);
  if (!retained_.empty()) {
    retained_.merge(batch);
    batch = std::move(retained_);
    retained_ = ViewBatch{};
  }
  if (batch.empty()) return true;
  try {
    store_.add(batch);
    return true;
  } catch (const std::exception& e) {
    if (batch.rows() > kMaxRetainedRows) {
      host_.error("streaming: analytics flush failed and " + std::to_string(batch.rows()) +
                  " rows are past the retention limit; dropped: " + e.what());
      return false;
    }
    host_.warn(std::string("streaming: analytics flush failed, kept for the next one: ") +
               e.what());
    retained_ = std::move(batch);
    return false;
  }
}

ContentStats Analytics::stats(const std::string& content_id, int days) {
  flush();
  return store_.stats(content_id, utc_day(unix_now()), days);
}

void Analytics::forget(const std::string& content_id) {
  std::lock_guard lock(flush_mu_);
  counter_.forget_content(content_id);
  retained_.erase_content(content_id);
  store_.delete_content(content_id);
}

}  // namespace sg::streaming
