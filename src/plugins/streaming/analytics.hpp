// View analytics of the streaming plugin: the in-memory ViewCounter the segment path feeds,
// its flush in batches into SQL (StatsStore), the anonymous-viewer salts of each day, and
// the stats the REST route answers. See README.md "View analytics".
//
// Threads: count() and the salt/session helpers run on network threads (no SQL, no I/O);
// flush(), stats() and forget() block (blocking pool, or the stop thread at stop()).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <streamgate/plugin.hpp>

#include "sql/database.hpp"
#include "stats_store.hpp"
#include "view_counter.hpp"
#include "viewer.hpp"

namespace sg::streaming {

class Analytics {
 public:
  // Rows held for the next flush when SQL is unavailable; past this the oldest batch is
  // dropped (and logged) so an outage cannot grow memory without bound.
  static constexpr size_t kMaxRetainedRows = 200'000;

  // Opens the shared `database` section, migrates the tables and loads today's and
  // tomorrow's salts. Blocking (start()). Throws sg::Error when the database is unusable.
  Analytics(Host host, std::unique_ptr<sql::Database> db);

  // The segment path: counts one delivered segment. Returns true when it started a view.
  bool count(const SegmentDelivery& d) { return counter_.record(d); }
  // The anonymous viewer of (ip, User-Agent) under the salt of the day of `now`.
  ViewerId anonymous(std::string_view ip, std::string_view user_agent, int64_t now);
  // The session key of a playback token (non-zero).
  uint64_t token_session(std::string_view token) const;

  // Drains the counter into SQL (with what an earlier failed flush kept) and keeps the
  // salts current. Serialised: concurrent calls wait for each other. Never throws (logs).
  // Returns false when SQL refused the batch (kept for the next flush).
  bool flush();
  // flush(), then the stats from SQL (so counts not flushed yet are included).
  ContentStats stats(const std::string& content_id, int days);
  // A deleted content: drops its pending counts and sessions, deletes its rows.
  void forget(const std::string& content_id);

  // Whether a flush is already queued or running (the timer skips a tick then).
  bool try_begin_scheduled_flush() { return !flush_scheduled_.exchange(true); }
  void end_scheduled_flush() { flush_scheduled_ = false; }

  size_t sessions() const { return counter_.sessions(); }
  bool healthy() noexcept { return db_->healthy(); }

 private:
  // Makes today's and tomorrow's salts current (SQL) and deletes past ones, once per day.
  void refresh_salts(int64_t today);

  Host host_;
  std::unique_ptr<sql::Database> db_;
  StatsStore store_;
  ViewCounter counter_;
  DailySalts salts_;
  std::mutex flush_mu_;
  ViewBatch retained_;      // a failed flush's rows, guarded by flush_mu_
  int64_t salts_day_ = -1;  // the day the salts were last made current (flush_mu_)
  std::atomic<bool> flush_scheduled_{false};
};

int64_t unix_now();

}  // namespace sg::streaming
