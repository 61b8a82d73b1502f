// Periodic jobs from plugins.worker.schedules: [{type, every_ms | cron, payload?}].
// Each firing is enqueued with an idempotency key naming its period, so several streamgate
// processes sharing a database enqueue it once.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sg::worker {

// Standard 5-field cron (minute hour day-of-month month day-of-week), UTC, with *, lists,
// ranges and steps ("*/5", "1-10/2", "0,30"). Day-of-week 0 or 7 = Sunday. As in Vixie cron,
// when both day fields are restricted a day matching either fires.
struct Cron {
  std::bitset<60> minute;
  std::bitset<24> hour;
  std::bitset<32> dom;
  std::bitset<13> month;
  std::bitset<8> dow;
  bool dom_any = true;
  bool dow_any = true;

  static Cron parse(const std::string& expr);  // throws sg::Error(SG_ERR_INVALID)
  bool matches(int64_t epoch_minute) const;
};

struct Schedule {
  std::string type;
  nlohmann::json payload = nlohmann::json::object();
  int64_t every_ms = 0;
  std::optional<Cron> cron;
  std::string cron_text;

  // The key of the period containing `now_ms`, or nullopt when nothing is due in it (a cron
  // minute that does not match).
  std::optional<std::string> period_key(int64_t now_ms) const;
};

// Parses the schedules array; errors name plugins.worker.schedules[i].<field>.
std::vector<Schedule> parse_schedules(const nlohmann::json& v);

}  // namespace sg::worker
