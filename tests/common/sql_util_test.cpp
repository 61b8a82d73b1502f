#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "sql/util.hpp"

namespace {

TEST(SqlUtil, UuidsAreV4UniqueAndRecognised) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto u = sg::sql::uuid_v4();
    EXPECT_TRUE(sg::sql::is_uuid(u)) << u;
    EXPECT_EQ(u[14], '4');
    EXPECT_TRUE(u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b');
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_FALSE(sg::sql::is_uuid("not-a-uuid"));
  EXPECT_FALSE(sg::sql::is_uuid("123e4567-e89b-12d3-a456-42661417400g"));
  EXPECT_FALSE(sg::sql::is_uuid("123e4567e89b-12d3-a456-4266141740000"));
  EXPECT_TRUE(sg::sql::is_uuid("123E4567-E89B-12D3-A456-426614174000"));
}

TEST(SqlUtil, Base64UrlRoundTripsAndRejectsGarbage) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto enc = sg::sql::base64url_encode(s);
    EXPECT_EQ(enc.find_first_of("+/="), std::string::npos);
    EXPECT_EQ(sg::sql::base64url_decode(enc), s);
  }
  EXPECT_FALSE(sg::sql::base64url_decode("a").has_value());
  EXPECT_FALSE(sg::sql::base64url_decode("ab!d").has_value());
}

TEST(SqlUtil, Rfc3339) {
  EXPECT_EQ(sg::sql::rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(sg::sql::rfc3339(1700000000123), "2023-11-14T22:13:20.123Z");
}

TEST(SqlUtil, Addresses) {
  EXPECT_TRUE(sg::sql::is_address("0x52908400098527886E0F7030069857D2E4169EE7"));
  EXPECT_FALSE(sg::sql::is_address("0x52908400098527886E0F7030069857D2E4169EE"));
  EXPECT_FALSE(sg::sql::is_address("52908400098527886E0F7030069857D2E4169EE7aa"));
  EXPECT_FALSE(sg::sql::is_address("0x52908400098527886E0F7030069857D2E4169EEZ"));
}

}  // namespace

TEST(SqlUtil, PageCursorsRoundTripAndRejectForgeries) {
  const std::string id = "0b7c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3";
  auto decoded = sg::sql::decode_cursor(sg::sql::encode_cursor({1732380000123, id}));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->created_at, 1732380000123);
  EXPECT_EQ(decoded->id, id);
  for (const std::string& raw :
       std::vector<std::string>{"12", ":" + id, "-5:" + id, "1x:" + id, "12:not-a-uuid",
                                "99999999999999999999:" + id, ""})
    EXPECT_FALSE(sg::sql::decode_cursor(sg::sql::base64url_encode(raw)).has_value()) << raw;
  EXPECT_FALSE(sg::sql::decode_cursor("%%%").has_value());
}
