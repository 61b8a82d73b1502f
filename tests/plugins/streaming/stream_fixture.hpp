// A running streamgate with the whole path a viewer uses (gateway, auth, metadata, worker,
// upload, transcoder, streaming), wallets signed in with SIWE (scripts/dev-signin.js) and
// clips uploaded and transcoded by the server itself. Shared by the streaming tests of one
// binary; skipped without ffmpeg or the node clients.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "streamgate_server.hpp"
#include "temp_dir.hpp"

namespace streamtest {

// Fixed development keys (never funded anywhere): the owner of the uploads and a viewer.
constexpr const char* kOwnerKey =
    "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
constexpr const char* kViewerKey =
    "0x6c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

struct Stack {
  std::unique_ptr<sgtest::TempDir> dir;
  std::unique_ptr<sgtest::StreamGateServer> server;
  std::string owner_session;
  std::string viewer_session;
  std::string content_a;  // 6 s 640x360 with audio: 360p + 240p + audio, 2 s segments
  std::string content_b;  // 4 s, same ladder

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
std::unique_ptr<Stack> start_stack(const nlohmann::json& overrides);

// A session token for `key` from a real SIWE sign-in.
std::string sign_in(const sgtest::StreamGateServer& server, const std::string& key);
// Uploads a generated clip and waits until its content is ready; returns the content id.
std::string upload_ready(Stack& stack, int seconds, const std::string& title);
// The query value of `token` in a URI ("" when absent).
std::string token_of(const std::string& uri);

}  // namespace streamtest
