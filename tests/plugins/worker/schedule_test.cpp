#include <gtest/gtest.h>

#include <streamgate/plugin.hpp>

#include "schedule.hpp"

namespace {

using sg::worker::Cron;

int64_t minute_of(int y, int mo, int d, int h, int mi) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return static_cast<int64_t>(timegm(&tm)) / 60;
}

TEST(Cron, StepsRangesListsAndDays) {
  auto c = Cron::parse("*/5 * * * *");
  EXPECT_TRUE(c.matches(minute_of(2026, 1, 1, 10, 15)));
  EXPECT_FALSE(c.matches(minute_of(2026, 1, 1, 10, 16)));
  auto d = Cron::parse("0 3 * * 1-5");                     // 03:00 on weekdays
  EXPECT_TRUE(d.matches(minute_of(2026, 11, 23, 3, 0)));   // a Monday
  EXPECT_FALSE(d.matches(minute_of(2026, 11, 22, 3, 0)));  // a Sunday
  auto e = Cron::parse("30 12 1,15 * 7");                  // Vixie: 1st, 15th OR Sundays
  EXPECT_TRUE(e.matches(minute_of(2026, 11, 15, 12, 30)));
  EXPECT_TRUE(e.matches(minute_of(2026, 11, 22, 12, 30)));
  EXPECT_FALSE(e.matches(minute_of(2026, 11, 23, 12, 30)));
}

TEST(Cron, RejectsMalformedExpressions) {
  for (const char* bad : {"* * * *", "61 * * * *", "*/0 * * * *", "a * * * *", "5-1 * * * *",
                          "* * 0 * *", "* * * 13 *"})
    EXPECT_THROW(Cron::parse(bad), sg::Error) << bad;
}

TEST(Schedules, ParseNamesTheFaultyEntry) {
  auto ok = sg::worker::parse_schedules(nlohmann::json::parse(
      R"([{"type":"uploads.expire","every_ms":60000},{"type":"x","cron":"*/5 * * * *"}])"));
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(ok[0].period_key(120000), "every:60000:2");
  try {
    sg::worker::parse_schedules(nlohmann::json::parse(R"([{"type":"x","every_ms":5,"cron":"*"}])"));
    FAIL();
  } catch (const sg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("schedules[0]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(
      sg::worker::parse_schedules(nlohmann::json::parse(R"([{"type":"X Y","every_ms":5000}])")),
      sg::Error);
  EXPECT_THROW(sg::worker::parse_schedules(nlohmann::json::parse(R"([{"type":"x","cron":"bad"}])")),
               sg::Error);
}

}  // namespace
