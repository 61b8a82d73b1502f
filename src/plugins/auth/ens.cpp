#include "ens.hpp"

#include <algorithm>
#include <cctype>

#include "web3/abi.hpp"
#include "web3/hex.hpp"

namespace sg::auth {
namespace {

constexpr std::size_t kMaxNameBytes = 255;

web3::Bytes call_with_node(std::string_view signature, const web3::Hash256& node) {
  const auto sel = web3::abi::selector(signature);
  web3::Bytes data(sel.size() + node.size());
  std::copy(sel.begin(), sel.end(), data.begin());
  std::copy(node.begin(), node.end(), data.begin() + static_cast<std::ptrdiff_t>(sel.size()));
  return data;
}

uint64_t word_value(const web3::Bytes& ret, std::size_t at, bool* ok) {
  // A length or offset word: anything above 2^32 is not a sane string.
  for (std::size_t i = at; i < at + 28; ++i)
    if (ret[i] != 0) *ok = false;
  uint64_t v = 0;
  for (std::size_t i = at + 28; i < at + 32; ++i) v = (v << 8) | ret[i];
  return v;
}

bool is_zero(const web3::Address& a) {
  return std::all_of(a.begin(), a.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace

web3::Hash256 ens_namehash(std::string_view name) {
  web3::Hash256 node{};
  while (!name.empty()) {
    const auto dot = name.rfind('.');
    const std::string_view label = dot == std::string_view::npos ? name : name.substr(dot + 1);
    const web3::Hash256 label_hash = web3::keccak256(label);
    uint8_t both[64];
    std::copy(node.begin(), node.end(), both);
    std::copy(label_hash.begin(), label_hash.end(), both + 32);
    node = web3::keccak256(std::span<const uint8_t>(both, 64));
    name = dot == std::string_view::npos ? std::string_view() : name.substr(0, dot);
  }
  return node;
}

std::optional<std::string> decode_ens_name(const web3::Bytes& ret) {
  if (ret.size() < 64 || ret.size() % 32 != 0) return std::nullopt;
  bool ok = true;
  if (word_value(ret, 0, &ok) != 32 || !ok) return std::nullopt;
  const uint64_t len = word_value(ret, 32, &ok);
  if (!ok || len > kMaxNameBytes || ret.size() != 64 + (len + 31) / 32 * 32) return std::nullopt;
  std::string name(ret.begin() + 64, ret.begin() + 64 + static_cast<std::ptrdiff_t>(len));
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return std::nullopt;
  return name;
}

EnsLookup::EnsLookup(web3::RpcClient* client, std::string registry, std::chrono::seconds ttl)
    : client_(client), registry_(std::move(registry)), ttl_(ttl) {}

EnsAnswer EnsLookup::lookup(const web3::Address& address) {
  const std::string key = web3::to_hex(web3::Bytes(address.begin(), address.end()));
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end() && it->second.expires > now)
      return it->second.answer;
  }
  EnsAnswer a = resolve(address);
  if (a.kind != EnsAnswer::kUnavailable) {
    std::lock_guard lock(mu_);
    if (cache_.size() >= kMaxCached) cache_.clear();  // names are cheap to look up again
    cache_[key] = Cached{a, now + ttl_};
  }
  return a;
}

std::optional<web3::Address> EnsLookup::resolver_of(const web3::Hash256& node, std::string* why) {
  web3::Bytes ret;
  auto out = client_->eth_call(registry_, call_with_node("resolver(bytes32)", node), &ret);
  if (out.kind == web3::RpcOutcome::kUnavailable) {
    *why = out.message;
    return std::nullopt;
  }
  if (out.kind == web3::RpcOutcome::kReverted) return web3::Address{};
  auto a = web3::abi::decode_address(ret);
  return a ? *a : web3::Address{};
}

EnsAnswer EnsLookup::resolve(const web3::Address& address) {
  if (client_ == nullptr) return {};
  std::string hex = web3::to_hex(web3::Bytes(address.begin(), address.end()));
  if (hex.rfind("0x", 0) == 0) hex.erase(0, 2);
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const web3::Hash256 reverse = ens_namehash(hex + ".addr.reverse");
  std::string why;
  auto resolver = resolver_of(reverse, &why);
  if (!resolver) return {EnsAnswer::kUnavailable, "", why};
  if (is_zero(*resolver)) return {};
  web3::Bytes ret;
  const std::string resolver_hex = web3::to_checksum(*resolver);
  auto out = client_->eth_call(resolver_hex, call_with_node("name(bytes32)", reverse), &ret);
  if (out.kind == web3::RpcOutcome::kUnavailable) return {EnsAnswer::kUnavailable, "", out.message};
  if (out.kind == web3::RpcOutcome::kReverted) return {};
  auto name = decode_ens_name(ret);
  if (!name || name->empty()) return {};
  // The forward check: the claimed name must resolve to this very address.
  const web3::Hash256 forward = ens_namehash(*name);
  auto forward_resolver = resolver_of(forward, &why);
  if (!forward_resolver) return {EnsAnswer::kUnavailable, "", why};
  if (is_zero(*forward_resolver)) return {};
  out = client_->eth_call(web3::to_checksum(*forward_resolver),
                          call_with_node("addr(bytes32)", forward), &ret);
  if (out.kind == web3::RpcOutcome::kUnavailable) return {EnsAnswer::kUnavailable, "", out.message};
  if (out.kind == web3::RpcOutcome::kReverted) return {};
  auto back = web3::abi::decode_address(ret);
  if (!back || *back != address) return {};
  return {EnsAnswer::kName, *name, ""};
}

}  // namespace sg::auth
