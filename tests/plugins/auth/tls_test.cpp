// The JSON-RPC client over HTTPS: certificate verification is on (an untrusted certificate
// or a host name mismatch fails, which fails the gate closed), and a configured CA works.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "context.hpp"
#include "local_chain.hpp"
#include "ports.hpp"
#include "test_util.hpp"

using namespace sg::auth;

namespace {

// Self-signed certificate for `san` (e.g. "IP:127.0.0.1"); false when openssl is missing.
bool make_cert(const std::filesystem::path& dir, const std::string& name, const std::string& san) {
  std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=sg-test -addext "
      "subjectAltName=" +
      san + " -keyout '" + (dir / (name + ".key")).string() + "' -out '" +
      (dir / (name + ".pem")).string() + "' > /dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

struct TlsFront {
  sgtest::Process proc;
  uint16_t port = 0;
  bool start(const std::filesystem::path& dir, const std::string& name, const std::string& target) {
    port = sgtest::free_port();
    auto log = dir / (name + ".log");
    proc = sgtest::Process::spawn({"node", std::string(AUTH_NODE_DIR) + "/tls-proxy.js", "--port",
                                   std::to_string(port), "--cert", (dir / (name + ".pem")).string(),
                                   "--key", (dir / (name + ".key")).string(), "--target", target},
                                  {}, log);
    for (int i = 0; i < 200; ++i) {
      std::ifstream in(log);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (text.find("READY") != std::string::npos) return true;
      if (!proc.running()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
};

}  // namespace

TEST(RpcTls, VerifiesCertificatesAndHostNames) {
  auto chain = sgtest::shared_chain();
  if (!chain) {
    if (!sgtest::LocalChain::skip_reason().empty())
      GTEST_SKIP() << sgtest::LocalChain::skip_reason();
    FAIL() << "local chain failed to start";
  }
  sgtest::TempDir dir("sg-tls");
  if (!make_cert(dir.path(), "good", "IP:127.0.0.1") ||
      !make_cert(dir.path(), "other", "DNS:other.example"))
    GTEST_SKIP() << "openssl CLI is not available to make test certificates";
  TlsFront good, other;
  ASSERT_TRUE(good.start(dir.path(), "good", chain->rpc_url()));
  ASSERT_TRUE(other.start(dir.path(), "other", chain->rpc_url()));

  auto config = [&](uint16_t port, const std::string& ca) {
    auto c = authtest::test_config();
    sg::web3::ChainConfig cc;
    cc.chain_id = 1337;
    cc.rpc_urls = {"https://127.0.0.1:" + std::to_string(port)};
    cc.timeout_ms = 3000;
    cc.ca_file = ca;
    c.chains = {cc};
    return c;
  };
  NftQuery q;
  q.chain_id = 1337;
  q.contract = chain->erc1155();
  q.standard = "erc1155";
  q.token_id = sg::web3::word_from_u64(7);
  q.address = chain->account(0);

  Context trusted{config(good.port, (dir.path() / "good.pem").string()), nullptr};
  auto ok = trusted.gate().check_nft(q, true);
  ASSERT_EQ(ok.status, GateStatus::kOk) << ok.message;
  EXPECT_TRUE(ok.allowed);

  Context untrusted{config(good.port, ""), nullptr};  // system CAs only: self-signed is refused
  auto refused = untrusted.gate().check_nft(q, true);
  EXPECT_EQ(refused.status, GateStatus::kUnavailable);
  EXPECT_FALSE(refused.allowed);
  std::string why = untrusted.chains().describe()[0]["endpoints"][0]["last_error"];
  EXPECT_NE(why.find("certificate verify failed"), std::string::npos) << why;

  // Trusted certificate, but issued for another name than the one we connect to.
  Context mismatch{config(other.port, (dir.path() / "other.pem").string()), nullptr};
  auto wrong_name = mismatch.gate().check_nft(q, true);
  EXPECT_EQ(wrong_name.status, GateStatus::kUnavailable) << wrong_name.message;
  std::string why2 = mismatch.chains().describe()[0]["endpoints"][0]["last_error"];
  EXPECT_NE(why2.find("certificate verify failed"), std::string::npos) << why2;
}
