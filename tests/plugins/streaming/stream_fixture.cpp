#include "stream_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "ports.hpp"
#include "process.hpp"
#include "test_clip.hpp"

namespace streamtest {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
const fs::path kRoot = SG_STREAMING_ROOT_DIR;

fs::path make_clip(const fs::path& dir, int seconds, const std::string& size = "640x360") {
  fs::path out = dir / ("clip-" + std::to_string(seconds) + "-" + size + ".mp4");
  if (fs::exists(out)) return out;
  auto r = sgtest::make_test_clip(out, {.seconds = seconds, .size = size});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return out;
}

}  // namespace

std::string Stack::url(const std::string& target) const {
  return "http://127.0.0.1:" + std::to_string(server->port()) + target;
}

sgtest::HttpResponse Stack::get(const std::string& target, sgtest::Headers headers) const {
  return server->request("GET", target, "", std::move(headers));
}

sgtest::HttpResponse Stack::as_owner(const std::string& method, const std::string& target,
                                     const json& body) const {
  sgtest::Headers h{{"Authorization", "Bearer " + owner_session}};
  if (!body.is_null()) h.push_back({"Content-Type", "application/json"});
  return server->request(method, target, body.is_null() ? "" : body.dump(), h);
}

void Stack::set_visibility(const std::string& id, const json& patch) const {
  auto r = as_owner("PATCH", "/api/v1/content/" + id, patch);
  ASSERT_EQ(r.status, 200) << r.body;
}

std::string skip_reason() {
  if (!sgtest::in_path("ffmpeg")) return "ffmpeg is not installed";
  if (!sgtest::in_path("node")) return "node is not installed";
  if (!fs::exists(kRoot / "tests/node/node_modules/siwe"))
    return "tests/node/node_modules is missing (scripts/install-node-deps.sh)";
  return "";
}

std::string sign_in(const sgtest::StreamGateServer& server, const std::string& key) {
  auto r = sgtest::run_command({"node", (kRoot / "scripts/dev-signin.js").string(),
                                "http://127.0.0.1:" + std::to_string(server.port()), key},
                               {}, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line, token;
  while (std::getline(lines, line))
    if (!line.empty() && line.rfind("signed in", 0) != 0) token = line;
  return token;
}

std::string upload(Stack& stack, int seconds, const std::string& title, const std::string& size) {
  fs::path clip = make_clip(stack.dir->path(), seconds, size);
  std::string body = sgtest::read_file(clip);
  auto r = stack.server->request(
      "POST", "/api/v1/uploads?filename=clip.mp4&title=" + title, body,
      {{"Authorization", "Bearer " + stack.owner_session}, {"Content-Type", "video/mp4"}},
      std::chrono::seconds(30));
  EXPECT_EQ(r.status, 201) << r.body;
  if (r.status != 201) return "";
  return r.json()["content_id"];
}

std::string upload_ready(Stack& stack, int seconds, const std::string& title) {
  std::string id = upload(stack, seconds, title);
  if (id.empty()) return "";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    auto c = stack.as_owner("GET", "/api/v1/content/" + id);
    if (c.status == 200 && c.json()["status"] == "ready") return id;
    if (c.status == 200 && c.json()["status"] == "failed") {
      ADD_FAILURE() << c.body;
      return "";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "content " << id << " not ready in time\n" << stack.server->log();
  return "";
}

std::unique_ptr<Stack> start_stack(const json& overrides, int seconds_a, int seconds_b,
                                   const std::vector<std::string>& extra_plugins) {
  auto s = std::make_unique<Stack>();
  s->dir = std::make_unique<sgtest::TempDir>();
  s->server = std::make_unique<sgtest::StreamGateServer>();
  const std::string domain = "127.0.0.1:" + std::to_string(s->server->port());
  json config{{"plugins",
               {{"auth",
                 {{"jwt_secret", "streaming-test-secret-0123456789abcdef-0123"},
                  {"domains", {domain}},
                  {"chain_ids", {1, 1337}},
                  {"cookie", {{"secure", false}}}}},
                {"transcoder",
                 {{"ladder", json::array({{{"height", 360}, {"video_bitrate", 600000}},
                                          {{"height", 240}, {"video_bitrate", 300000}}})},
                  {"preset", "ultrafast"},
                  {"segment_seconds", 2},
                  {"storyboard_interval_seconds", 1},
                  {"max_duration_seconds", 60}}},
                {"worker", {{"poll_ms", 100}}}}}};
  config.merge_patch(overrides);
  s->server->merge_config(config);
  std::vector<std::string> plugins{"gateway", "auth",       "metadata", "worker",
                                   "upload",  "transcoder", "streaming"};
  plugins.insert(plugins.end(), extra_plugins.begin(), extra_plugins.end());
  s->server->use_plugins(plugins);
  if (!s->server->start()) return nullptr;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (s->server->request("GET", "/api/v1/auth/nonce").status != 200) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "auth never answered\n" << s->server->log();
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  s->owner_session = sign_in(*s->server, kOwnerKey);
  s->viewer_session = sign_in(*s->server, kViewerKey);
  if (s->owner_session.empty() || s->viewer_session.empty()) return nullptr;
  s->content_a = upload_ready(*s, seconds_a, "a");
  s->content_b = upload_ready(*s, seconds_b, "b");
  if (s->content_a.empty() || s->content_b.empty()) return nullptr;
  return s;
}

Stack* shared_stack() {
  static std::unique_ptr<Stack> stack = start_stack(json::object());
  return stack.get();
}

std::string analytics_page_path() {
  static sgtest::TempDir dir("sg-watch");
  return (dir.path() / "index.html").string();
}

Stack* analytics_stack() {
  static std::unique_ptr<Stack> stack = []() -> std::unique_ptr<Stack> {
    {
      std::ofstream page(analytics_page_path());
      page << "<!doctype html>\n<html><head><meta charset=\"utf-8\">\n<title>App</title>\n"
              "<!--sg:head-->\n</head><body><div id=\"app\"></div></body></html>\n";
    }
    return start_stack({{"plugins",
                         {{"streaming",
                           {{"analytics", {{"flush_seconds", 1}}},
                            {"watch_page", analytics_page_path()},
                            {"public_base_url", kAnalyticsBaseUrl}}},
                          {"monitor", {{"metrics", {{"allow", {"127.0.0.0/8"}}}}}}}}},
                       6, 4, {"monitor"});
  }();
  return stack.get();
}

std::string gated_skip_reason() {
  if (auto why = skip_reason(); !why.empty()) return why;
  if (!sgtest::shared_chain()) {
    return sgtest::LocalChain::skip_reason().empty() ? "the local chain did not start"
                                                     : sgtest::LocalChain::skip_reason();
  }
  return "";
}

Stack* gated_stack() {
  static std::unique_ptr<Stack> stack = []() -> std::unique_ptr<Stack> {
    auto chain = sgtest::shared_chain();
    if (!chain) return nullptr;
    const std::string dead_rpc = "http://127.0.0.1:" + std::to_string(sgtest::free_port());
    json chains = json::array({{{"chain_id", 1337},
                                {"name", kGanacheChainName},
                                {"rpc_urls", {chain->rpc_url()}},
                                {"timeout_ms", 2000}},
                               {{"chain_id", kDeadChainId},
                                {"name", "Unreachable"},
                                {"rpc_urls", {dead_rpc}},
                                {"timeout_ms", 500}}});
    auto s = start_stack(
        {{"plugins",
          {{"auth", {{"chains", chains}}}, {"gateway", {{"cors", {{"allowed_origins", {"*"}}}}}}}}},
        12, 4);
    if (!s) return nullptr;
    s->chain = chain;
    s->holder_session = sign_in(*s->server, chain->key(0));
    s->non_holder_session = sign_in(*s->server, chain->key(1));
    if (s->holder_session.empty() || s->non_holder_session.empty()) return nullptr;
    return s;
  }();
  return stack.get();
}

std::string token_of(const std::string& uri) {
  size_t at = uri.find("token=");
  if (at == std::string::npos) return "";
  size_t end = uri.find_first_of("&#\"", at);
  return uri.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
}

}  // namespace streamtest
