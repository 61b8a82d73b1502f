#include "gate.hpp"

#include <cctype>

#include "web3/abi.hpp"
#include "web3/address.hpp"

namespace sg::auth {

using nlohmann::json;

std::optional<NftQuery> parse_nft_query(const json& j, std::string* error) {
  auto fail = [&](std::string m) -> std::optional<NftQuery> {
    *error = std::move(m);
    return std::nullopt;
  };
  if (!j.is_object()) return fail("gate must be a JSON object");
  NftQuery q;
  auto chain = j.find("chain_id");
  if (chain == j.end() || !chain->is_number_integer() ||
      (!chain->is_number_unsigned() && chain->get<int64_t>() <= 0) || chain->get<uint64_t>() == 0)
    return fail("chain_id must be a positive integer");
  q.chain_id = chain->get<uint64_t>();
  auto contract = j.find("contract");
  if (contract == j.end() || !contract->is_string()) return fail("contract must be an address");
  auto addr = web3::parse_address(contract->get<std::string>());
  if (!addr) return fail("contract is not a valid address (bad hex or EIP-55 checksum)");
  q.contract = web3::to_checksum(*addr);
  q.standard = j.value("standard", std::string("erc721"));
  for (auto& ch : q.standard) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (q.standard != "erc721" && q.standard != "erc1155")
    return fail("standard must be erc721 or erc1155");
  if (auto t = j.find("token_id"); t != j.end() && !t->is_null()) {
    q.token_id = web3::uint256_from_json(*t);
    if (!q.token_id) return fail("token_id must be a uint256 (decimal or 0x-hex)");
  }
  if (q.standard == "erc1155" && !q.token_id) return fail("token_id is required for erc1155");
  if (auto m = j.find("min_balance"); m != j.end() && !m->is_null()) {
    auto w = web3::uint256_from_json(*m);
    if (!w || web3::compare(*w, web3::Word{}) == 0)
      return fail("min_balance must be a uint256 >= 1");
    q.min_balance = *w;
  }
  return q;
}

GateAnswer GateChecker::check_nft(const NftQuery& q, bool bypass_cache) const {
  GateAnswer a;
  web3::RpcClient* chain = chains_.find(q.chain_id);
  if (chain == nullptr) {
    a.message = "chain " + std::to_string(q.chain_id) + " is not configured";
    return a;
  }
  auto owner = web3::parse_address(q.address);
  if (!owner) {
    a.message = "address is not valid";
    return a;
  }
  std::string key = "auth:gate:" + std::to_string(q.chain_id) + ":" + q.contract + ":" +
                    q.standard + ":" + (q.token_id ? web3::to_decimal(*q.token_id) : "-") + ":" +
                    web3::to_decimal(q.min_balance) + ":" + q.address;
  if (!bypass_cache) {
    std::string cached;
    if (cache_.get(key, &cached) == KvStatus::kOk) {
      auto doc = json::parse(cached, nullptr, false);
      if (doc.is_object() && doc.contains("allowed") && doc.contains("balance")) {
        a.status = GateStatus::kOk;
        a.allowed = doc["allowed"].get<bool>();
        a.balance = doc["balance"].get<std::string>();
        a.cached = true;
        a.reason = a.allowed ? "" : "insufficient_balance";
        return a;
      }
    }
  }
  web3::Bytes ret;
  web3::RpcOutcome out;
  bool owner_of = q.standard == "erc721" && q.token_id.has_value();
  if (owner_of) {
    out = chain->eth_call(q.contract, web3::abi::erc721_owner_of(*q.token_id), &ret);
  } else if (q.standard == "erc721") {
    out = chain->eth_call(q.contract, web3::abi::erc721_balance_of(*owner), &ret);
  } else {
    out = chain->eth_call(q.contract, web3::abi::erc1155_balance_of(*owner, *q.token_id), &ret);
  }
  if (out.kind == web3::RpcOutcome::kUnavailable) {
    a.status = GateStatus::kUnavailable;
    a.message = "no RPC endpoint of chain " + std::to_string(q.chain_id) + " answered";
    return a;
  }
  web3::Word balance{};
  if (owner_of) {
    // ownerOf reverts for a burned or never-minted token: that simply means "not owner".
    if (out.kind == web3::RpcOutcome::kOk) {
      auto who = web3::abi::decode_address(ret);
      if (!who) {
        a.status = GateStatus::kUnavailable;
        a.message = "ownerOf returned malformed data (is the contract ERC-721?)";
        return a;
      }
      balance = web3::word_from_u64(*who == *owner ? 1 : 0);
    }
  } else {
    if (out.kind == web3::RpcOutcome::kReverted) {
      a.status = GateStatus::kUnavailable;
      a.message = "balanceOf reverted (is the contract " + q.standard + "?)";
      return a;
    }
    auto w = web3::abi::decode_uint256(ret);
    if (!w) {
      a.status = GateStatus::kUnavailable;
      a.message = "balanceOf returned malformed data (is the contract " + q.standard + "?)";
      return a;
    }
    balance = *w;
  }
  a.status = GateStatus::kOk;
  a.balance = web3::to_decimal(balance);
  // ownerOf answers 1/0 and is compared to 1; balances to min_balance.
  a.allowed = owner_of ? a.balance == "1" : web3::compare(balance, q.min_balance) >= 0;
  a.reason = a.allowed ? "" : (owner_of ? "not_owner" : "insufficient_balance");
  json doc = {{"allowed", a.allowed}, {"balance", a.balance}};
  cache_.set(key, doc.dump(),
             std::chrono::seconds(a.allowed ? config_.gate_has_ttl : config_.gate_has_not_ttl));
  return a;
}

GateAnswer GateChecker::check(const std::string& address, const json& rule, bool bypass) const {
  return check_rule(address, rule, bypass, 0);
}

GateAnswer GateChecker::check_rule(const std::string& address, const json& rule, bool bypass,
                                   int depth) const {
  GateAnswer a;
  if (depth > 4) {
    a.message = "gate rules nest too deeply";
    return a;
  }
  if (!rule.is_object()) {
    a.message = "gate must be a JSON object";
    return a;
  }
  if (auto any = rule.find("any_of"); any != rule.end()) {
    if (!any->is_array() || any->empty() || any->size() > 16) {
      a.message = "any_of must be a list of 1..16 rules";
      return a;
    }
    // Allowed by the first rule that allows; unavailable only if none allows and one could
    // not be checked (fail closed without hiding an allow that was established).
    GateAnswer worst;
    worst.status = GateStatus::kOk;
    worst.reason = "no_rule_allows";
    for (const auto& sub : *any) {
      GateAnswer r = check_rule(address, sub, bypass, depth + 1);
      if (r.status == GateStatus::kInvalid) return r;
      if (r.status == GateStatus::kOk && r.allowed) return r;
      if (r.status == GateStatus::kUnavailable) worst = r;
    }
    return worst;
  }
  // A bare {chain_id, contract, ...} (the metadata record's "gate") is an NFT rule.
  std::string type = rule.value("type", std::string(rule.contains("contract") ? "nft" : ""));
  if (type == "public") {
    a.status = GateStatus::kOk;
    a.allowed = true;
    return a;
  }
  if (type == "signed_in") {
    a.status = GateStatus::kOk;
    a.allowed = !address.empty();
    a.reason = a.allowed ? "" : "not_signed_in";
    return a;
  }
  if (type == "nft") {
    std::string error;
    auto q = parse_nft_query(rule, &error);
    if (!q) {
      a.message = error;
      return a;
    }
    if (chains_.find(q->chain_id) == nullptr) {
      a.message = "chain " + std::to_string(q->chain_id) + " is not configured";
      return a;
    }
    if (address.empty()) {
      a.status = GateStatus::kOk;
      a.reason = "not_signed_in";
      return a;
    }
    q->address = address;
    return check_nft(*q, bypass);
  }
  a.message = "gate type must be public, signed_in or nft (or any_of)";
  return a;
}

}  // namespace sg::auth
