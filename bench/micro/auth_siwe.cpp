// SIWE verification throughput (auth area). Inputs: bench/auth/siwe-messages.json (64 messages
// signed by ethers v6 + siwe). Compares:
//   BM_RawKeccakRecover  the floor: EIP-191 Keccak + secp256k1_ecdsa_recover + pubkey->address
//   BM_SiweVerify        our verifier: ABNF parse + signature rules (v, low s) + the above +
//   compare BM_SiweLogin         the service path: verify + policy + nonce store (issue + take) +
//   session JWT
// Node's ethers.verifyMessage on the same messages: bench/auth/ethers-verify.js.
// sg_bench_libs: auth_core sg_web3
#include <benchmark/benchmark.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <filesystem>
#include <fstream>

#include "context.hpp"
#include "web3/ecrecover.hpp"
#include "web3/siwe.hpp"

namespace {

struct Sample {
  std::string message;
  std::string signature;
  std::string address;
  sg::web3::Bytes sig_bytes;
};

const std::vector<Sample>& samples() {
  static const std::vector<Sample> s = [] {
    std::ifstream in(std::filesystem::path(__FILE__).parent_path() / ".." / "auth" /
                     "siwe-messages.json");
    auto doc = nlohmann::json::parse(in);
    std::vector<Sample> out;
    for (const auto& m : doc)
      out.push_back({m["message"], m["signature"], m["address"],
                     *sg::web3::from_hex(m["signature"].get<std::string>())});
    return out;
  }();
  return s;
}

void BM_RawKeccakRecover(benchmark::State& state) {
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
  const auto& s = samples();
  size_t i = 0;
  for (auto _ : state) {
    const Sample& m = s[i++ % s.size()];
    sg::web3::Hash256 digest = sg::web3::personal_message_hash(m.message);
    secp256k1_ecdsa_recoverable_signature sig;
    secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, m.sig_bytes.data(),
                                                        m.sig_bytes[64] - 27);
    secp256k1_pubkey pub;
    int ok = secp256k1_ecdsa_recover(ctx, &pub, &sig, digest.data());
    uint8_t ser[65];
    size_t len = sizeof(ser);
    secp256k1_ec_pubkey_serialize(ctx, ser, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
    sg::web3::Hash256 h = sg::web3::keccak256(std::span<const uint8_t>(ser + 1, 64));
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  secp256k1_context_destroy(ctx);
}
BENCHMARK(BM_RawKeccakRecover);

void BM_SiweVerify(benchmark::State& state) {
  const auto& s = samples();
  size_t i = 0;
  for (auto _ : state) {
    const Sample& m = s[i++ % s.size()];
    auto parsed = sg::web3::parse_siwe(m.message);
    auto sig = sg::web3::parse_signature(m.signature);
    auto who = sg::web3::recover(sg::web3::personal_message_hash(m.message), *sig);
    bool ok = parsed && who && sg::web3::parse_checksummed(parsed->address) == *who;
    if (!ok) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_SiweVerify);

void BM_SiweLogin(benchmark::State& state) {
  nlohmann::json section = {{"jwt_secret", std::string(48, 'b')}, {"domains", {"streamgate.test"}}};
  sg::auth::Context core(sg::auth::parse_config(section, false), nullptr,
                         [] { return int64_t{1767225600}; });
  const auto& s = samples();
  size_t i = 0;
  for (auto _ : state) {
    const Sample& m = s[i++ % s.size()];
    state.PauseTiming();  // nonces are single use: re-arm this message's nonce
    core.security().add_nonce(sg::web3::parse_siwe(m.message)->nonce, 1767225600 + 300);
    state.ResumeTiming();
    auto r = core.siwe().login(m.message, m.signature);
    if (r.status != 200) state.SkipWithError(r.code.c_str());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_SiweLogin);

}  // namespace
