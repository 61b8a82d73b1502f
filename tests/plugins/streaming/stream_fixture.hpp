// A running streamgate with the whole path a viewer uses (gateway, auth, metadata, worker,
// upload, transcoder, streaming), wallets signed in with SIWE (scripts/dev-signin.js) and
// clips uploaded and transcoded by the server itself. Shared by the streaming tests of one
// binary; skipped without ffmpeg or the node clients.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "local_chain.hpp"
#include "streamgate_server.hpp"
#include "temp_dir.hpp"

namespace streamtest {

// Fixed development keys (never funded anywhere): the owner of the uploads and a viewer.
// Neither is an account of the local chain (tests/node/auth-chain.js), so neither holds its
// tokens: owners bypass NFT gates, so the uploader must not be the holder the gate tests use.
constexpr const char* kOwnerKey =
    "0x7ad09f0a9fbc1e9dda52d018f1a9ecebf95094f9dd9b651f5dcaabf1c5c26d7f";
constexpr const char* kViewerKey =
    "0x6c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

struct Stack {
  std::unique_ptr<sgtest::TempDir> dir;
  std::unique_ptr<sgtest::StreamGateServer> server;
  std::string owner_session;
  std::string viewer_session;
  std::string content_a;  // 6 s 640x360 with audio: 360p + 240p + audio, 2 s segments
  std::string content_b;  // 4 s, same ladder
  // Gated stacks only (gated_stack()): the local chain and its accounts signed in.
  std::shared_ptr<sgtest::LocalChain> chain;
  std::string holder_session;      // chain account 0: ERC-721 #1 and 3 x ERC-1155 id 7
  std::string non_holder_session;  // chain account 1: nothing

  std::string url(const std::string& target) const;
  sgtest::HttpResponse get(const std::string& target, sgtest::Headers headers = {}) const;
  sgtest::HttpResponse as_owner(const std::string& method, const std::string& target,
                                const nlohmann::json& body = nullptr) const;
  // PATCH the content (as its owner) and wait for the change to be answered.
  void set_visibility(const std::string& id, const nlohmann::json& patch) const;
};

// "" when the stack can run here; the reason otherwise.
std::string skip_reason();
// Starts a stack once per process (extra config merged into the defaults); nullptr (with a
// test failure) when it does not come up.
Stack* shared_stack();
std::unique_ptr<Stack> start_stack(const nlohmann::json& overrides, int seconds_a = 6,
                                   int seconds_b = 4,
                                   const std::vector<std::string>& extra_plugins = {});

// A third stack, once per process, for view analytics and the watch page: analytics flushed
// every second, monitor loaded with /metrics open to loopback, the watch page served from
// analytics_page_path() (a test may rewrite it) with public_base_url kAnalyticsBaseUrl.
// nullptr (with a test failure) when it does not come up.
constexpr const char* kAnalyticsBaseUrl = "https://video.example.com";
Stack* analytics_stack();
std::string analytics_page_path();

// "" when a gated stack can run here (skip_reason() and the local chain); the reason otherwise.
std::string gated_skip_reason();
// A second stack, once per process, for NFT gates and browsers: auth knows the local chain
// (chain 1337, kGanacheChainName) and chain kDeadChainId whose only RPC URL is a closed
// loopback port; CORS is open to every origin; content_a is 12 s (a rung switch fits well
// inside it), content_b 4 s; the chain's holder and a non-holder are signed in. nullptr (with
// a test failure) when it does not come up.
constexpr uint64_t kDeadChainId = 31337;
constexpr const char* kGanacheChainName = "Local (ganache)";
Stack* gated_stack();

// A session token for `key` from a real SIWE sign-in.
std::string sign_in(const sgtest::StreamGateServer& server, const std::string& key);
// Uploads a generated clip (testsrc2 + a tone, `size` WxH) and returns its content id at once.
std::string upload(Stack& stack, int seconds, const std::string& title,
                   const std::string& size = "640x360");
// Uploads a generated clip and waits until its content is ready; returns the content id.
std::string upload_ready(Stack& stack, int seconds, const std::string& title);
// The query value of `token` in a URI ("" when absent).
std::string token_of(const std::string& uri);

}  // namespace streamtest
