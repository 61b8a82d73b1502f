// Content validation: every rule refuses with a message naming the field.
#include <gtest/gtest.h>

#include <streamgate/plugin.hpp>

#include "content_model.hpp"

namespace {

using namespace sg::metadata;
const std::string kOwner = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";

void expect_field_error(const json& fields, const std::string& field, Writer w = Writer::rest) {
  try {
    new_content(kOwner, fields, w);
    ADD_FAILURE() << "accepted " << fields.dump();
  } catch (const sg::Error& e) {
    EXPECT_EQ(e.status(), SG_ERR_INVALID);
    EXPECT_EQ(std::string(e.what()).rfind(field + ":", 0), 0u)
        << e.what() << " for " << fields.dump();
  }
}

json gate() {
  return {{"chain_id", 1}, {"contract", "0x" + std::string(40, 'a')}, {"standard", "erc721"}};
}

TEST(ContentModel, DefaultsAndRoundTrip) {
  auto c = new_content(kOwner, {{"title", "A"}, {"tags", {"x", "y", "x"}}}, Writer::rest);
  EXPECT_EQ(c.visibility, "public");
  EXPECT_EQ(c.status, "uploading");
  EXPECT_EQ(c.tags, (std::vector<std::string>{"x", "y"}));  // duplicates collapse
  auto j = to_json(c);
  EXPECT_EQ(j["owner"], kOwner);
  EXPECT_TRUE(j["gate"].is_null());
  EXPECT_EQ(j["id"].get<std::string>().size(), 36u);
}

TEST(ContentModel, RejectsBadFieldsNamingThem) {
  expect_field_error({{"description", "no title"}}, "title");
  expect_field_error({{"title", ""}}, "title");
  expect_field_error({{"title", 5}}, "title");
  expect_field_error({{"title", std::string(201, 'a')}}, "title");
  expect_field_error({{"title", "t"}, {"description", std::string(5001, 'a')}}, "description");
  expect_field_error({{"title", "t"}, {"tags", "notalist"}}, "tags");
  expect_field_error({{"title", "t"}, {"tags", json::array({1})}}, "tags[0]");
  expect_field_error({{"title", "t"}, {"tags", json::array({std::string(51, 'a')})}}, "tags[0]");
  json many = json::array();
  for (int i = 0; i < 21; ++i) many.push_back("t" + std::to_string(i));
  expect_field_error({{"title", "t"}, {"tags", many}}, "tags");
  expect_field_error({{"title", "t"}, {"visibility", "secret"}}, "visibility");
  expect_field_error({{"title", "t"}, {"visibility", "token_gated"}}, "gate");
  expect_field_error({{"title", "t"}, {"bogus", 1}}, "bogus");
  expect_field_error({{"title", "t"}, {"status", "ready"}}, "status");  // REST may not set it
  expect_field_error({{"title", "t"}, {"id", "x"}}, "id");
  auto g = gate();
  g["chain_id"] = 0;
  expect_field_error({{"title", "t"}, {"visibility", "token_gated"}, {"gate", g}}, "gate.chain_id");
  g = gate();
  g["contract"] = "0x123";
  expect_field_error({{"title", "t"}, {"visibility", "token_gated"}, {"gate", g}}, "gate.contract");
  // Mixed case with a broken EIP-55 checksum (the spec vector with its last letter
  // upper-cased) is a typo.
  g["contract"] = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
  expect_field_error({{"title", "t"}, {"visibility", "token_gated"}, {"gate", g}}, "gate.contract");
  g = gate();
  g["standard"] = "erc20";
  expect_field_error({{"title", "t"}, {"visibility", "token_gated"}, {"gate", g}}, "gate.standard");
  g = gate();
  g["token_id"] = "12a";
  expect_field_error({{"title", "t"}, {"visibility", "token_gated"}, {"gate", g}}, "gate.token_id");
  g = gate();
  g["min_balance"] = 0;
  expect_field_error({{"title", "t"}, {"visibility", "token_gated"}, {"gate", g}},
                     "gate.min_balance");
  g = gate();
  g["extra"] = true;
  expect_field_error({{"title", "t"}, {"visibility", "token_gated"}, {"gate", g}}, "gate.extra");
  expect_field_error({{"title", "t"}, {"gate", gate()}}, "gate");  // gate without token_gated
}

TEST(ContentModel, LengthsCountCharactersNotBytes) {
  std::string two_hundred_emoji;
  for (int i = 0; i < 200; ++i) two_hundred_emoji += "🎬";
  EXPECT_NO_THROW(new_content(kOwner, {{"title", two_hundred_emoji}}, Writer::rest));
  expect_field_error({{"title", two_hundred_emoji + "x"}}, "title");
}

// A transcoder failure reason was cut at 1000 bytes, which could split a character: the
// record then failed to serialise and every GET of it answered 500.
TEST(ContentModel, Utf8PrefixNeverSplitsACharacter) {
  std::string kanji;
  for (int i = 0; i < 3; ++i) kanji += "\xe6\x97\xa5";  // 3 x U+65E5, 9 bytes
  EXPECT_EQ(utf8_prefix(kanji, 2), "\xe6\x97\xa5\xe6\x97\xa5");
  EXPECT_EQ(utf8_prefix(kanji, 3), kanji);
  EXPECT_EQ(utf8_prefix(kanji, 10), kanji);
  EXPECT_EQ(utf8_prefix("abc", 0), "");
  std::string cut = utf8_prefix(std::string(999, 'a') + kanji, 1000);
  EXPECT_EQ(cut.size(), 1002u);
  EXPECT_NO_THROW((void)json(cut).dump());
}

TEST(ContentModel, ServiceWritersMaySetPipelineFields) {
  std::string id = "123e4567-e89b-42d3-a456-426614174000";
  auto c = new_content(kOwner,
                       {{"id", id},
                        {"status", "uploading"},
                        {"source", {{"size", 10}, {"container", "mp4"}, {"codecs", {"h264"}}}}},
                       Writer::service);
  EXPECT_EQ(c.id, id);
  expect_field_error({{"source", {{"size", -1}}}}, "source.size", Writer::service);
  expect_field_error({{"source", {{"fps", 1}}}}, "source.fps", Writer::service);
  expect_field_error({{"renditions", {1}}}, "renditions[0]", Writer::service);
  apply_patch(c, {{"status", "failed"}, {"status_reason", "bad codec"}}, Writer::service);
  EXPECT_EQ(c.status_reason, "bad codec");
  apply_patch(c, {{"status", "ready"}}, Writer::service);
  EXPECT_FALSE(c.status_reason.has_value());  // a reason only belongs to failed/processing
}

TEST(ContentModel, PatchKeepsInvariants) {
  auto c = new_content(kOwner, {{"title", "t"}, {"visibility", "token_gated"}, {"gate", gate()}},
                       Writer::rest);
  EXPECT_TRUE(c.gate.has_value());
  EXPECT_THROW(apply_patch(c, {{"gate", nullptr}}, Writer::rest), sg::Error);
  apply_patch(c, {{"visibility", "public"}}, Writer::rest);
  EXPECT_FALSE(c.gate.has_value());
  EXPECT_THROW(apply_patch(c, {{"title", ""}}, Writer::rest), sg::Error);
  EXPECT_THROW(apply_patch(c, {{"renditions", json::array()}}, Writer::rest), sg::Error);
}

}  // namespace

TEST(ContentModel, GateContractIsStoredInEip55Form) {
  auto g = gate();
  g["contract"] = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";  // EIP-55 spec vector, lower
  auto c = new_content(kOwner, {{"title", "t"}, {"visibility", "token_gated"}, {"gate", g}},
                       Writer::rest);
  ASSERT_TRUE(c.gate.has_value());
  EXPECT_EQ(c.gate->contract, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
}
