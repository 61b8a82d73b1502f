// The SQL side of view analytics (tables owned by the streaming plugin, migrations of the
// component "streaming", SQLite and PostgreSQL): batches are ADDED (upserts that increment),
// so several instances sharing one PostgreSQL count correctly; unique viewers are the rows of
// the (content, day, viewer) set, hence exact per day. Blocking: blocking pool or the stop
// thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sql/database.hpp"
#include "view_counter.hpp"

namespace sg::streaming {

struct DayStats {
  int64_t day = 0;
  int64_t views = 0;
  int64_t unique_viewers = 0;
  int64_t watch_ms = 0;
};
struct RenditionStats {
  std::string name;
  int64_t segments = 0;
  int64_t watch_ms = 0;
};
struct ContentStats {
  int64_t views = 0;
  int64_t unique_viewers = 0;  // distinct viewers over the whole window
  int64_t watch_ms = 0;
  std::vector<RenditionStats> renditions;  // most watched first
  std::vector<DayStats> days;              // every day of the window, oldest first
};

class StatsStore {
 public:
  explicit StatsStore(sql::Database& db) : db_(db) {}

  // Creates or upgrades the tables (component "streaming").
  void migrate();
  // Adds a drained batch in one transaction.
  void add(const ViewBatch& batch);
  // The salt of `day`: the stored one, else `candidate` stored (the first instance to store
  // one wins; every instance then uses it).
  HashKey salt_for(int64_t day, const HashKey& candidate);
  // Deletes the salts of days before `day` (a past day's hash can then not be recomputed).
  void forget_salts_before(int64_t day);
  // Stats of `content_id` for the `days` days ending with `today` (inclusive).
  ContentStats stats(const std::string& content_id, int64_t today, int days);
  // Deletes every row of a content.
  void delete_content(const std::string& content_id);

 private:
  sql::Database& db_;
};

}  // namespace sg::streaming
