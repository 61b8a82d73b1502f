// Keccak-256, EIP-55, uint256, signature parsing and ABI encoding against published vectors.
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "web3/abi.hpp"
#include "web3/uint256.hpp"

using namespace sg::web3;
namespace wabi = sg::web3::abi;

TEST(Keccak, PublishedVectors) {
  EXPECT_EQ(to_hex(keccak256("")),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(to_hex(keccak256("hello")),
            "0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8");
  EXPECT_EQ(to_hex(keccak256("The quick brown fox jumps over the lazy dog")),
            "0x4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
}

TEST(Keccak, AgreesWithEthersAcrossBlockBoundaries) {
  auto vectors = authtest::load_fixture("keccak.json");
  ASSERT_GE(vectors.size(), 6u);
  for (const auto& v : vectors) {
    EXPECT_EQ(to_hex(keccak256(v["input"].get<std::string>())), v["hash"])
        << v["input"].get<std::string>().size();
  }
}

TEST(Keccak, IncrementalEqualsOneShot) {
  std::string data(1000, 'z');
  for (size_t split : {0u, 1u, 135u, 136u, 137u, 999u}) {
    Keccak256 k;
    k.update(std::string_view(data).substr(0, split));
    k.update(std::string_view(data).substr(split));
    EXPECT_EQ(k.finish(), keccak256(data)) << split;
  }
}

TEST(Eip55, SpecVectors) {
  for (const char* a :
       {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"}) {
    auto parsed = parse_checksummed(a);
    ASSERT_TRUE(parsed) << a;
    EXPECT_EQ(to_checksum(*parsed), a);
  }
  // One letter's case flipped breaks the checksum.
  EXPECT_FALSE(parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"));
  EXPECT_TRUE(
      parse_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));  // all lower: no checksum
  EXPECT_FALSE(parse_checksummed("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
  EXPECT_FALSE(parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA"));
  EXPECT_FALSE(parse_address("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00"));
  EXPECT_FALSE(parse_address("0xZaAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
}

TEST(Uint256, DecimalHexAndLimits) {
  std::string max =
      "115792089237316195423570985008687907853269984665640564039457584007913129639935";
  auto w = parse_uint256(max);
  ASSERT_TRUE(w);
  EXPECT_EQ(to_decimal(*w), max);
  EXPECT_FALSE(parse_uint256(
      "115792089237316195423570985008687907853269984665640564039457584007913129639936"));
  EXPECT_EQ(to_decimal(*parse_uint256("0x10")), "16");
  EXPECT_EQ(to_decimal(*parse_uint256("0")), "0");
  EXPECT_FALSE(parse_uint256(""));
  EXPECT_FALSE(parse_uint256("12a"));
  EXPECT_FALSE(parse_uint256("-1"));
  EXPECT_TRUE(parse_int256("-128", 8));
  EXPECT_FALSE(parse_int256("-129", 8));
  EXPECT_FALSE(parse_int256("128", 8));
  EXPECT_EQ(to_hex(*parse_int256("-1", 64)), "0x" + std::string(64, 'f'));
}

TEST(Abi, SelectorsAndStrictDecoding) {
  EXPECT_EQ(to_hex(wabi::selector("balanceOf(address)")), "0x70a08231");
  EXPECT_EQ(to_hex(wabi::selector("ownerOf(uint256)")), "0x6352211e");
  EXPECT_EQ(to_hex(wabi::selector("balanceOf(address,uint256)")), "0x00fdd58e");
  EXPECT_EQ(to_hex(wabi::selector("isValidSignature(bytes32,bytes)")), "0x1626ba7e");
  Address a = *parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
  EXPECT_EQ(to_hex(wabi::erc721_balance_of(a)),
            "0x70a08231" + std::string(24, '0') + "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
  Bytes word(32, 0);
  word[31] = 7;
  EXPECT_EQ(to_decimal(*wabi::decode_uint256(word)), "7");
  Bytes longer = word;
  longer.push_back(0);
  EXPECT_FALSE(wabi::decode_uint256(longer));
  EXPECT_FALSE(wabi::decode_uint256(Bytes{}));
  Bytes dirty_addr(32, 0);
  dirty_addr[0] = 1;
  EXPECT_FALSE(wabi::decode_address(dirty_addr));
  Bytes magic(32, 0);
  magic[0] = 0x16, magic[1] = 0x26, magic[2] = 0xba, magic[3] = 0x7e;
  EXPECT_TRUE(wabi::is_erc1271_magic(magic));
  magic[31] = 1;
  EXPECT_FALSE(wabi::is_erc1271_magic(magic));
  Bytes sig(65, 0xab);
  Hash256 h{};
  Bytes enc = wabi::erc1271_is_valid_signature(h, sig);
  EXPECT_EQ(enc.size(), 4u + 32 + 32 + 32 + 96);
}

TEST(Signature, ParsingRules) {
  auto fx = authtest::load_fixture("siwe.json")[0];
  std::string sig = fx["signature"];
  SigError err;
  EXPECT_TRUE(parse_signature(sig, &err));
  EXPECT_FALSE(parse_signature(sig.substr(0, sig.size() - 2), &err));  // 64 bytes
  EXPECT_FALSE(parse_signature(sig + "00", &err));                     // 66 bytes
  EXPECT_FALSE(parse_signature(sig.substr(2), &err));                  // no 0x
  std::string bad_hex = sig;
  bad_hex[10] = 'g';
  EXPECT_FALSE(parse_signature(bad_hex, &err));
  EXPECT_EQ(err.code, "invalid_signature");
  std::string v2 = sig.substr(0, sig.size() - 2) + "02";
  EXPECT_FALSE(parse_signature(v2, &err));
  std::string zero_r = "0x" + std::string(64, '0') + sig.substr(66);
  EXPECT_FALSE(parse_signature(zero_r, &err));
}

// s' = n - s with v flipped is the same ECDSA signature's malleable twin: refused.
TEST(Signature, HighSTwinIsRejected) {
  auto fx = authtest::load_fixture("siwe.json")[0];
  auto bytes = *from_hex(fx["signature"].get<std::string>());
  static const uint8_t n[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int v = n[i] - bytes[32 + static_cast<size_t>(i)] - borrow;
    borrow = v < 0 ? 1 : 0;
    bytes[32 + static_cast<size_t>(i)] = static_cast<uint8_t>(v & 0xff);
  }
  bytes[64] = bytes[64] == 27 ? 28 : 27;
  SigError err;
  EXPECT_FALSE(parse_signature(to_hex(bytes), &err));
  EXPECT_NE(err.message.find("upper half"), std::string::npos);
}
