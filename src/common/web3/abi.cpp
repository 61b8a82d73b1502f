#include "web3/abi.hpp"

#include <cstring>

namespace sg::web3::abi {

std::array<uint8_t, 4> selector(std::string_view signature) {
  Hash256 h = keccak256(signature);
  return {h[0], h[1], h[2], h[3]};
}

namespace {

void put_selector(Bytes& out, std::string_view signature) {
  auto s = selector(signature);
  out.insert(out.end(), s.begin(), s.end());
}
void put_address(Bytes& out, const Address& a) {
  out.insert(out.end(), 12, 0);
  out.insert(out.end(), a.begin(), a.end());
}
void put_word(Bytes& out, const Word& w) {
  out.insert(out.end(), w.begin(), w.end());
}

}  // namespace

Bytes erc721_balance_of(const Address& owner) {
  Bytes out;
  put_selector(out, "balanceOf(address)");
  put_address(out, owner);
  return out;
}

Bytes erc721_owner_of(const Word& token_id) {
  Bytes out;
  put_selector(out, "ownerOf(uint256)");
  put_word(out, token_id);
  return out;
}

Bytes erc1155_balance_of(const Address& owner, const Word& id) {
  Bytes out;
  put_selector(out, "balanceOf(address,uint256)");
  put_address(out, owner);
  put_word(out, id);
  return out;
}

Bytes erc1271_is_valid_signature(const Hash256& digest, const Bytes& signature) {
  Bytes out;
  put_selector(out, "isValidSignature(bytes32,bytes)");
  out.insert(out.end(), digest.begin(), digest.end());
  put_word(out, word_from_u64(64));  // offset of the bytes argument
  put_word(out, word_from_u64(signature.size()));
  out.insert(out.end(), signature.begin(), signature.end());
  out.insert(out.end(), (32 - signature.size() % 32) % 32, 0);
  return out;
}

std::optional<Word> decode_uint256(const Bytes& ret) {
  if (ret.size() != 32) return std::nullopt;
  Word w;
  std::memcpy(w.data(), ret.data(), 32);
  return w;
}

std::optional<Address> decode_address(const Bytes& ret) {
  if (ret.size() != 32) return std::nullopt;
  for (size_t i = 0; i < 12; ++i) {
    if (ret[i] != 0) return std::nullopt;
  }
  Address a;
  std::memcpy(a.data(), ret.data() + 12, 20);
  return a;
}

bool is_erc1271_magic(const Bytes& ret) {
  if (ret.size() != 32) return false;
  static const uint8_t magic[4] = {0x16, 0x26, 0xba, 0x7e};
  if (std::memcmp(ret.data(), magic, 4) != 0) return false;
  for (size_t i = 4; i < 32; ++i) {
    if (ret[i] != 0) return false;
  }
  return true;
}

}  // namespace sg::web3::abi
