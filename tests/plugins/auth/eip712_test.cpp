// EIP-712: digests and encodeType agree with ethers' TypedDataEncoder (nested structs,
// struct arrays, nested fixed arrays, int64 negatives, bytes4, bytes), signers recover.
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "web3/eip712.hpp"

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
