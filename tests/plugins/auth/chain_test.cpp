// NFT gating, EIP-1271 wallets and RPC failover against a real local EVM chain (ganache,
// contracts from OpenZeppelin 5.4.0). No mocks: every answer comes from eth_call.
#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "context.hpp"
#include "local_chain.hpp"
#include "ports.hpp"
#include "test_util.hpp"
#include "typed_data.hpp"
#include "web3/abi.hpp"
#include "web3/eip712.hpp"

using namespace sg::auth;
using namespace sg::web3;

namespace {

class Chain : public ::testing::Test {
 protected:
  void SetUp() override {
    chain_ = sgtest::shared_chain();
    if (!chain_) {
      if (!sgtest::LocalChain::skip_reason().empty())
        GTEST_SKIP() << sgtest::LocalChain::skip_reason();
      FAIL() << "local chain failed to start";
    }
  }
  AuthConfig config(std::vector<std::string> urls, int64_t has_ttl = 1, int64_t has_not_ttl = 1) {
    auto c = authtest::test_config("localhost:8080");
    ChainConfig cc;
    cc.chain_id = 1337;
    cc.name = "ganache";
    cc.rpc_urls = std::move(urls);
    cc.timeout_ms = 2000;
    cc.breaker_failures = 2;
    cc.breaker_cooldown_ms = 60000;
    c.chains = {cc};
    c.gate_has_ttl = has_ttl;
    c.gate_has_not_ttl = has_not_ttl;
    return c;
  }
  NftQuery query(const std::string& contract, const std::string& standard, const std::string& who,
                 std::optional<uint64_t> token = std::nullopt, uint64_t min = 1) {
    NftQuery q;
    q.chain_id = 1337;
    q.contract = contract;
    q.standard = standard;
    if (token) q.token_id = word_from_u64(*token);
    q.min_balance = word_from_u64(min);
    q.address = who;
    return q;
  }
  void transfer_nft(const std::string& from, const std::string& to, uint64_t id) {
    Bytes data;
    auto sel = sg::web3::abi::selector("transferFrom(address,address,uint256)");
    data.insert(data.end(), sel.begin(), sel.end());
    for (const auto& a : {from, to}) {
      data.insert(data.end(), 12, 0);
      auto addr = *parse_address(a);
      data.insert(data.end(), addr.begin(), addr.end());
    }
    auto w = word_from_u64(id);
    data.insert(data.end(), w.begin(), w.end());
    RpcClient rpc(ChainConfig{1337, "ganache", {chain_->rpc_url()}, 5000, "latest", "", 3, 5000});
    auto sent = rpc.call("eth_sendTransaction", nlohmann::json::array({{{"from", from},
                                                                        {"to", chain_->erc721()},
                                                                        {"data", to_hex(data)},
                                                                        {"gas", "0x30000"}}}));
    ASSERT_EQ(sent.kind, RpcOutcome::kOk) << sent.message;
  }
  std::shared_ptr<sgtest::LocalChain> chain_;
};

}  // namespace

TEST_F(Chain, Erc721OwnershipBalanceTransferAndCacheTtl) {
  Context core{config({chain_->rpc_url()}, 1, 1), nullptr};
  std::string a = chain_->account(0), b = chain_->account(1);
  // Fresh ids per test run keep this test independent of the others on the shared chain.
  auto owner_a = core.gate().check_nft(query(chain_->erc721(), "erc721", a, 1), true);
  if (!owner_a.allowed) {
    // Token 1 was moved by an earlier run of this test on the shared chain: move it back.
    transfer_nft(b, a, 1);
    owner_a = core.gate().check_nft(query(chain_->erc721(), "erc721", a, 1), true);
  }
  ASSERT_EQ(owner_a.status, GateStatus::kOk) << owner_a.message;
  EXPECT_TRUE(owner_a.allowed);
  EXPECT_EQ(owner_a.balance, "1");
  auto bal_a = core.gate().check_nft(query(chain_->erc721(), "erc721", a), false);
  ASSERT_EQ(bal_a.status, GateStatus::kOk) << bal_a.message;
  EXPECT_TRUE(bal_a.allowed);
  EXPECT_FALSE(bal_a.cached);
  EXPECT_FALSE(
      core.gate().check_nft(query(chain_->erc721(), "erc721", a, std::nullopt, 2), false).allowed);
  auto bal_b = core.gate().check_nft(query(chain_->erc721(), "erc721", b), false);
  EXPECT_FALSE(bal_b.allowed);
  EXPECT_EQ(bal_b.reason, "insufficient_balance");
  // A token that was never minted: ownerOf reverts, which means "not owner".
  auto missing = core.gate().check_nft(query(chain_->erc721(), "erc721", a, 424242), false);
  ASSERT_EQ(missing.status, GateStatus::kOk) << missing.message;
  EXPECT_FALSE(missing.allowed);
  EXPECT_EQ(missing.reason, "not_owner");

  transfer_nft(a, b, 1);
  auto cached = core.gate().check_nft(query(chain_->erc721(), "erc721", a), false);
  EXPECT_TRUE(cached.cached);
  EXPECT_TRUE(cached.allowed);  // still the cached answer within its TTL
  auto bypass = core.gate().check_nft(query(chain_->erc721(), "erc721", a), true);
  EXPECT_FALSE(bypass.cached);
  EXPECT_FALSE(bypass.allowed);  // the owner's explicit re-check sees the transfer
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto after = core.gate().check_nft(query(chain_->erc721(), "erc721", a, 1), false);
  EXPECT_FALSE(after.cached);
  EXPECT_FALSE(after.allowed);
  EXPECT_TRUE(core.gate().check_nft(query(chain_->erc721(), "erc721", b, 1), false).allowed);
  // Through a gate rule, as the streaming plugin asks.
  nlohmann::json rule = {
      {"type", "nft"}, {"chain_id", 1337}, {"contract", chain_->erc721()}, {"standard", "erc721"}};
  EXPECT_TRUE(core.gate().check(b, rule, false).allowed);
  EXPECT_FALSE(core.gate().check("", rule, false).allowed);
  // The metadata record's gate object (no "type") is accepted as an NFT rule.
  nlohmann::json metadata_gate = {{"chain_id", 1337},
                                  {"contract", chain_->erc721()},
                                  {"standard", "erc721"},
                                  {"token_id", "1"},
                                  {"min_balance", 1}};
  EXPECT_TRUE(core.gate().check(b, metadata_gate, false).allowed);
  EXPECT_FALSE(core.gate().check(a, metadata_gate, false).allowed);
  transfer_nft(b, a, 1);  // leave the chain as deployed
}

TEST_F(Chain, Erc1155BalanceAgainstMinimum) {
  Context core{config({chain_->rpc_url()}), nullptr};
  auto three =
      core.gate().check_nft(query(chain_->erc1155(), "erc1155", chain_->account(0), 7, 3), false);
  ASSERT_EQ(three.status, GateStatus::kOk) << three.message;
  EXPECT_TRUE(three.allowed);
  EXPECT_EQ(three.balance, "3");
  EXPECT_FALSE(core.gate()
                   .check_nft(query(chain_->erc1155(), "erc1155", chain_->account(0), 7, 4), false)
                   .allowed);
  EXPECT_FALSE(core.gate()
                   .check_nft(query(chain_->erc1155(), "erc1155", chain_->account(0), 8), false)
                   .allowed);
  EXPECT_FALSE(core.gate()
                   .check_nft(query(chain_->erc1155(), "erc1155", chain_->account(2), 7), false)
                   .allowed);
  // The wrong standard for the contract is an error (fail closed), not a "no".
  auto wrong =
      core.gate().check_nft(query(chain_->erc721(), "erc1155", chain_->account(0), 7), false);
  EXPECT_EQ(wrong.status, GateStatus::kUnavailable);
}

TEST_F(Chain, Erc1271ContractWalletSignsIn) {
  int64_t now = 1767225600;
  Context core{config({chain_->rpc_url()}), nullptr, [&] { return now; }};
  KvStatus st;
  std::string msg = authtest::siwe_message("localhost:8080", chain_->wallet(), 1337,
                                           *core.siwe().issue_nonce(&st), authtest::rfc3339(now));
  // Signed by someone who does not own the wallet: the wallet says no.
  auto bad = core.siwe().login(msg, authtest::personal_sign(msg, chain_->key(1)));
  EXPECT_EQ(bad.code, "invalid_signature") << bad.message;
  auto good = core.siwe().login(msg, authtest::personal_sign(msg, chain_->key(0)));
  ASSERT_EQ(good.status, 200) << good.code << ": " << good.message;
  EXPECT_EQ(good.claims.address, chain_->wallet());
  // EIP-712 with the wallet as expected signer.
  auto typed = authtest::load_fixture("eip712.json")[0]["typed_data"];
  typed["domain"]["chainId"] = 1337;
  auto digest = *eip712::signing_digest(typed);
  TypedDataResult ok =
      verify_typed(core, typed, authtest::sign_digest(digest, chain_->key(0)), chain_->wallet());
  EXPECT_EQ(ok.status, SG_OK) << ok.message;
  EXPECT_TRUE(ok.contract_wallet);
  TypedDataResult no =
      verify_typed(core, typed, authtest::sign_digest(digest, chain_->key(2)), chain_->wallet());
  EXPECT_EQ(no.status, SG_ERR_DENIED);
}

TEST_F(Chain, FailoverFromAClosedPortAndFailClosedWhenAllAreDown) {
  std::string closed = "http://127.0.0.1:" + std::to_string(sgtest::free_port());
  Context core{config({closed, chain_->rpc_url()}), nullptr};
  for (int i = 0; i < 3; ++i) {
    auto r =
        core.gate().check_nft(query(chain_->erc1155(), "erc1155", chain_->account(0), 7), true);
    ASSERT_EQ(r.status, GateStatus::kOk) << r.message;
    EXPECT_TRUE(r.allowed);
  }
  auto health = core.chains().describe();
  ASSERT_EQ(health.size(), 1u);
  EXPECT_TRUE(health[0]["healthy"]);
  EXPECT_FALSE(health[0]["endpoints"][0]["healthy"]);
  EXPECT_TRUE(health[0]["endpoints"][0]["circuit_open"]);  // 2 failures opened the breaker
  EXPECT_TRUE(health[0]["endpoints"][1]["healthy"]);

  std::string closed2 = "http://127.0.0.1:" + std::to_string(sgtest::free_port());
  Context down{config({closed, closed2}), nullptr};
  nlohmann::json rule = {{"type", "nft"}, {"chain_id", 1337}, {"contract", chain_->erc721()}};
  auto r = down.gate().check(chain_->account(0), rule, false);
  EXPECT_EQ(r.status, GateStatus::kUnavailable);
  EXPECT_FALSE(r.allowed);
  // Endpoint paths (often API keys) never show up in messages or health.
  Context secret{
      config({"http://127.0.0.1:" + std::to_string(sgtest::free_port()) + "/v3/SECRETKEY"}),
      nullptr};
  auto s = secret.gate().check(chain_->account(0), rule, false);
  EXPECT_EQ(s.message.find("SECRETKEY"), std::string::npos);
  EXPECT_EQ(secret.chains().describe().dump().find("SECRETKEY"), std::string::npos);
}

TEST_F(Chain, UnresponsiveEndpointTimesOut) {
  // A listener that accepts but never answers: the timeout bounds the call, then failover.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acc(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  std::string silent = "http://127.0.0.1:" + std::to_string(acc.local_endpoint().port());
  auto cfg = config({silent, chain_->rpc_url()});
  cfg.chains[0].timeout_ms = 300;
  Context core{cfg, nullptr};
  auto t0 = std::chrono::steady_clock::now();
  auto r = core.gate().check_nft(query(chain_->erc1155(), "erc1155", chain_->account(0), 7), true);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.status, GateStatus::kOk) << r.message;
  EXPECT_LT(took, std::chrono::seconds(2));
}

// ENS primary names against the chain's minimal registry: account 0 is alice.eth both ways;
// account 1's reverse record claims alice.eth too, which the forward check refuses.
TEST_F(Chain, EnsNamesAreVerifiedBothWays) {
  auto cfg = config({chain_->rpc_url()});
  cfg.ens_chain_id = 1337;
  cfg.ens_registry = chain_->ens_registry();
  Context core(cfg, nullptr);
  ASSERT_TRUE(core.ens().enabled());
  EnsAnswer a = core.ens().lookup(*parse_address(chain_->account(0)));
  EXPECT_EQ(a.kind, EnsAnswer::kName) << a.message;
  EXPECT_EQ(a.name, "alice.eth");
  EXPECT_EQ(core.ens().lookup(*parse_address(chain_->account(1))).kind, EnsAnswer::kNone);
  EXPECT_EQ(core.ens().lookup(*parse_address(chain_->account(2))).kind, EnsAnswer::kNone);

  // A chain that is not configured: ENS is off. A chain that is down: unavailable, not "none".
  auto off = config({chain_->rpc_url()});
  off.ens_chain_id = 1;
  EXPECT_FALSE(Context(off, nullptr).ens().enabled());
  auto down = config({"http://127.0.0.1:" + std::to_string(sgtest::free_port())});
  down.ens_chain_id = 1337;
  down.ens_registry = chain_->ens_registry();
  Context dead(down, nullptr);
  EXPECT_EQ(dead.ens().lookup(*parse_address(chain_->account(0))).kind, EnsAnswer::kUnavailable);
}

TEST(Ens, NamehashMatchesEip137AndNamesDecodeStrictly) {
  auto root = ens_namehash("");
  EXPECT_EQ(to_hex(Bytes(root.begin(), root.end())),
            "0x0000000000000000000000000000000000000000000000000000000000000000");
  auto eth = ens_namehash("eth");
  EXPECT_EQ(to_hex(Bytes(eth.begin(), eth.end())),
            "0x93cdeb708b7545dc668eb9280176169d1c33cfd8ed6f04690a0bcc88a93fc4ae");
  auto foo = ens_namehash("foo.eth");
  EXPECT_EQ(to_hex(Bytes(foo.begin(), foo.end())),
            "0xde9b09fd7c5f901e23a3f19fecc54828e9c848539801e86591bd9801b019f84f");

  auto word = [](uint64_t v) {
    Bytes w(32, 0);
    for (int i = 0; i < 8; ++i) w[31 - i] = static_cast<uint8_t>(v >> (8 * i));
    return w;
  };
  auto encoded = [&](const std::string& s, uint64_t offset = 32) {
    Bytes b = word(offset);
    Bytes len = word(s.size());
    b.insert(b.end(), len.begin(), len.end());
    b.insert(b.end(), s.begin(), s.end());
    b.resize(64 + (s.size() + 31) / 32 * 32, 0);
    return b;
  };
  EXPECT_EQ(decode_ens_name(encoded("alice.eth")), "alice.eth");
  EXPECT_EQ(decode_ens_name(encoded("")), "");
  EXPECT_FALSE(decode_ens_name(encoded("alice.eth", 64)));        // not the one-string shape
  EXPECT_FALSE(decode_ens_name(encoded("evil\nname.eth")));       // control characters
  EXPECT_FALSE(decode_ens_name(encoded(std::string(300, 'a'))));  // too long
  Bytes cut = encoded("alice.eth");
  cut.resize(64);
  EXPECT_FALSE(decode_ens_name(cut));  // the length says 9 bytes that are not there
}
