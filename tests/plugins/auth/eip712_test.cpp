// EIP-712: digests and encodeType agree with ethers' TypedDataEncoder (nested structs,
// struct arrays, nested fixed arrays, int64 negatives, bytes4, bytes), signers recover.
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "web3/eip712.hpp"
#include "web3/uint256.hpp"

using namespace sg::web3;

TEST(Eip712, AgreesWithEthers) {
  auto fixtures = authtest::load_fixture("eip712.json");
  ASSERT_EQ(fixtures.size(), 3u);
  for (const auto& f : fixtures) {
    eip712::Error err;
    auto enc = eip712::encode_type(f["typed_data"]["types"], "Mail", &err);
    ASSERT_TRUE(enc) << err.message;
    EXPECT_EQ(*enc, f["encode_type"]);
    auto digest = eip712::signing_digest(f["typed_data"], &err);
    ASSERT_TRUE(digest) << err.message;
    EXPECT_EQ(to_hex(*digest), f["digest"]);
    auto sig = parse_signature(f["signature"].get<std::string>());
    ASSERT_TRUE(sig);
    auto who = recover(*digest, *sig);
    ASSERT_TRUE(who);
    EXPECT_EQ(to_checksum(*who), f["address"]);
    // Without an explicit EIP712Domain type it is derived from the domain (as ethers does).
    auto no_domain_type = f["typed_data"];
    no_domain_type["types"].erase("EIP712Domain");
    EXPECT_EQ(to_hex(*eip712::signing_digest(no_domain_type)), f["digest"]);
  }
}

TEST(Eip712, AnyChangeToTheDataChangesTheSigner) {
  auto f = authtest::load_fixture("eip712.json")[0];
  auto sig = *parse_signature(f["signature"].get<std::string>());
  std::vector<std::pair<nlohmann::json::json_pointer, nlohmann::json>> edits = {
      {nlohmann::json::json_pointer("/message/contents"), "Hello, Eve!"},
      {nlohmann::json::json_pointer("/message/from/wallets/1"),
       "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"},
      {nlohmann::json::json_pointer("/message/to/1/name"), "Mallory"},
      {nlohmann::json::json_pointer("/message/grid/1/0"), 254},
      {nlohmann::json::json_pointer("/message/delta"), "-9223372036854775807"},
      {nlohmann::json::json_pointer("/message/flag"), false},
      {nlohmann::json::json_pointer("/domain/chainId"), 5},
      {nlohmann::json::json_pointer("/domain/name"), "StreamGat3"},
  };
  for (const auto& [ptr, value] : edits) {
    auto t = f["typed_data"];
    t[ptr] = value;
    auto d = eip712::signing_digest(t);
    ASSERT_TRUE(d) << ptr.to_string();
    auto who = recover(*d, sig);
    EXPECT_TRUE(!who || to_checksum(*who) != f["address"]) << ptr.to_string();
  }
}

TEST(Eip712, MalformedTypedDataIsAnError) {
  auto base = authtest::load_fixture("eip712.json")[0]["typed_data"];
  auto expect_error = [](nlohmann::json t, const std::string& what) {
    eip712::Error err;
    EXPECT_FALSE(eip712::signing_digest(t, &err)) << what;
    EXPECT_FALSE(err.message.empty()) << what;
  };
  auto t = base;
  t["message"].erase("contents");
  expect_error(t, "missing field");
  t = base;
  t["message"]["amount"] = "-1";
  expect_error(t, "negative uint");
  t = base;
  t["message"]["delta"] = "9223372036854775808";
  expect_error(t, "int64 overflow");
  t = base;
  t["message"]["tag"] = "0x0102";
  expect_error(t, "bytes4 length");
  t = base;
  t["message"]["grid"] = {{1, 2, 3}};
  expect_error(t, "fixed array length");
  t = base;
  t["message"]["grid"] = {{1, 256}};
  expect_error(t, "uint8 overflow");
  t = base;
  t["message"]["from"]["wallets"] = {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"};
  expect_error(t, "bad checksum");
  t = base;
  t["primaryType"] = "Nope";
  expect_error(t, "unknown primary type");
  t = base;
  t["types"]["Mail"][0]["type"] = "uint7";
  expect_error(t, "bad uint width");
  t = base;
  t["message"]["flag"] = 1;
  expect_error(t, "bool as number");
  expect_error(nlohmann::json::array(), "not an object");
}

namespace {

// The EIP-712 digest of Bag{items: Item[]} built by hand from the spec (typeHash per struct,
// keccak of the concatenated element hashes for the array), independent of the encoder.
Hash256 reference_bag_digest(const nlohmann::json& typed) {
  auto domain = eip712::hash_struct(typed["types"], "EIP712Domain", typed["domain"]);
  EXPECT_TRUE(domain);
  Hash256 item_type = keccak256(std::string("Item(uint256 v)"));
  Keccak256 items;
  for (const auto& item : typed["message"]["items"]) {
    Keccak256 one;
    one.update(item_type);
    one.update(word_from_u64(item["v"].get<uint64_t>()));
    items.update(one.finish());
  }
  Keccak256 bag;
  bag.update(keccak256(std::string("Bag(Item[] items)Item(uint256 v)")));
  bag.update(items.finish());
  Keccak256 digest;
  static const uint8_t prefix[2] = {0x19, 0x01};
  digest.update(prefix);
  digest.update(*domain);
  digest.update(bag.finish());
  return digest.finish();
}

}  // namespace

TEST(Eip712, EachTypeHashIsComputedOncePerCall) {
  auto typed = authtest::bag_typed_data(1000);
  eip712::Error err;
  eip712::Stats stats;
  auto digest = eip712::signing_digest(typed, &err, &stats);
  ASSERT_TRUE(digest) << err.message;
  EXPECT_EQ(*digest, reference_bag_digest(typed));
  // EIP712Domain, Bag, Item: three typeHashes, not one per element.
  EXPECT_EQ(stats.type_hashes, 3u);
  EXPECT_EQ(stats.values_hashed, 1u /*name*/ + 1u /*items*/ + 1000u /*elements*/ + 1000u /*v*/);
}

TEST(Eip712, InputPastTheLimitsIsRefusedBeforeHashing) {
  auto expect_refused = [](const nlohmann::json& t, const std::string& what) {
    eip712::Error err;
    eip712::Stats stats;
    EXPECT_FALSE(eip712::signing_digest(t, &err, &stats)) << what;
    EXPECT_FALSE(err.message.empty()) << what;
    EXPECT_EQ(stats.type_hashes, 0u) << what;  // refused by the cheap checks
    EXPECT_EQ(stats.values_hashed, 0u) << what;
  };
  expect_refused(authtest::bag_typed_data(eip712::Limits::kMaxArrayLength + 1), "long array");
  auto many_types = authtest::bag_typed_data(1);
  for (size_t i = 0; i < eip712::Limits::kMaxTypes; ++i)
    many_types["types"][std::string("T").append(std::to_string(i))] = nlohmann::json::array();
  expect_refused(many_types, "too many types");
  auto many_fields = authtest::bag_typed_data(1);
  for (size_t i = 0; i <= eip712::Limits::kMaxFields; ++i)
    many_fields["types"]["Item"].push_back(
        {{"name", std::string("f").append(std::to_string(i))}, {"type", "bool"}});
  expect_refused(many_fields, "too many fields");
  auto deep = authtest::bag_typed_data(1);
  nlohmann::json nested = 1;
  for (int i = 0; i <= eip712::Limits::kMaxDepth; ++i) nested = nlohmann::json::array({nested});
  deep["message"]["extra"] = nested;
  expect_refused(deep, "nested too deeply");
  auto wide = authtest::bag_typed_data(1);
  nlohmann::json values = nlohmann::json::object();
  for (size_t i = 0; i <= eip712::Limits::kMaxValues; ++i)
    values[std::string("k").append(std::to_string(i))] = i;
  wide["message"]["extra"] = values;
  expect_refused(wide, "too many values");
}
