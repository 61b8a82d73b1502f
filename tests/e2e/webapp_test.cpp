// The web app (web/dist, served by the gateway's static folder at /) end to end in headless
// Debian chromium, on the real stack: gateway, auth (with a ganache chain holding an
// ERC-721), metadata, worker, upload, transcoder, streaming. tests/node/webapp/webapp.mjs is
// the person at the keyboard (an injected EIP-1193 wallet backed by ethers); this file starts
// everything, checks the headers the browser got and what the person saw. Screenshots of each
// step go to <build>/test-artifacts/webapp/ (01-signed-in.png ...).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <regex>
#include <sstream>
#include <support.hpp>
#include <thread>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kNodeDir = SG_E2E_NODE_DIR;
const fs::path kWebDist = SG_E2E_WEB_DIST;
const fs::path kArtifacts = fs::path(SG_TEST_BINARY_DIR) / "test-artifacts" / "webapp";

// The uploader: a fixed development key that holds nothing on the local chain (owners pass
// their own gates, so the holder must be someone else).
constexpr const char* kOwnerKey =
    "0x7ad09f0a9fbc1e9dda52d018f1a9ecebf95094f9dd9b651f5dcaabf1c5c26d7f";
constexpr const char* kImmutable = "public, max-age=31536000, immutable";

std::string skip_reason() {
  if (!sgtest::in_path("node")) return "node is not installed";
  if (!sgtest::in_path("ffmpeg")) return "the ffmpeg CLI is not installed";
  for (const char* pkg : {"playwright-core", "ethers", "ganache"})
    if (!fs::exists(kNodeDir / "node_modules" / pkg))
      return std::string("tests/node/node_modules/") + pkg +
             " missing (scripts/install-node-deps.sh)";
  if (!fs::exists(kWebDist / "index.html"))
    return "web/dist is not built (scripts/build-web.sh; the e2e_tests target runs it)";
  if (auto why = sgtest::browser_skip_reason(); !why.empty()) return why;
  return "";
}

json last_json_line(const std::string& output) {
  json found;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.front() != '{') continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_object()) found = std::move(j);
  }
  return found;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TEST(E2EWebApp, SignInUploadWatchAndGateInTheBrowser) {
  if (auto why = skip_reason(); !why.empty()) GTEST_SKIP() << why;
  const auto t0 = std::chrono::steady_clock::now();

  // The chain (solc + ganache) and the clip are made at the same time.
  auto chain_future = std::async(std::launch::async, [] { return sgtest::shared_chain(); });
  sgtest::TempDir tmp("sg-e2e-webapp");
  const fs::path clip = tmp.path() / "my holiday.mp4";
  auto made = sgtest::make_test_clip(clip, {.seconds = 6, .size = "640x360"});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto chain = chain_future.get();
  ASSERT_TRUE(chain) << sgtest::LocalChain::skip_reason();

  const uint16_t port = sgtest::free_port();
  const std::string host = "127.0.0.1:" + std::to_string(port);
  const std::string base = "http://" + host;
  json chains = json::array({{{"chain_id", 1337},
                              {"name", "Local (ganache)"},
                              {"rpc_urls", {chain->rpc_url()}},
                              {"timeout_ms", 3000}}});
  sgtest::StreamGateServer server(json{
      {"plugins",
       {{"gateway",
         {{"port", port},
          {"static",
           {{"dir", kWebDist.string()},
            {"mount", "/"},
            {"cache_rules", {{{"path_prefix", "/assets/"}, {"cache_control", kImmutable}}}}}}}},
        {"auth",
         {{"jwt_secret", "e2e-webapp-secret-0123456789abcdef-0123456"},
          {"domains", json::array({host})},
          {"chain_ids", json::array({1337})},
          {"chains", chains},
          {"ens", {{"chain_id", 1337}, {"registry", chain->ens_registry()}}},
          {"cookie", {{"secure", false}}}}},
        {"cache", {{"backend", "memory"}}},
        {"streaming", {{"watch_page", (kWebDist / "index.html").string()}}},
        {"worker", {{"poll_ms", 100}}},
        {"transcoder",
         {{"ladder", json::array({{{"height", 360}, {"video_bitrate", 600000}},
                                  {{"height", 240}, {"video_bitrate", 300000}}})},
          {"preset", "ultrafast"},
          {"segment_seconds", 2},
          {"storyboard_interval_seconds", 1}}}}}});
  server.use_plugins({"gateway", "cache", "auth", "metadata", "worker", "upload", "transcoder",
                      "streaming", "monitor"});
  ASSERT_TRUE(server.start());
  {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (server.request("GET", "/api/v1/auth/nonce").status != 200) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << server.log();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // What the browser will be sent: the page is revalidated and locked down by its CSP, its
  // hashed assets are immutable.
  auto index = server.request("GET", "/");
  ASSERT_EQ(index.status, 200) << index.body;
  EXPECT_EQ(index.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.header("Cache-Control"), "no-cache");
  EXPECT_EQ(index.header("X-Content-Type-Options"), "nosniff");
  const std::string csp = index.header("Content-Security-Policy");
  for (const char* directive : {"script-src 'self'", "style-src 'self'", "worker-src 'self' blob:",
                                "media-src 'self' blob:", "connect-src 'self'",
                                "img-src 'self' data: blob:", "object-src 'none'",
                                "base-uri 'none'", "frame-ancestors 'none'"})
    EXPECT_NE(csp.find(directive), std::string::npos) << directive << " not in: " << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << csp;
  EXPECT_NE(index.body.find("<!--sg:head-->"), std::string::npos);
  std::smatch m;
  const std::regex js_re(R"re(src="(/assets/app-[A-Z0-9]+\.js)")re");
  const std::regex css_re(R"re(href="(/assets/app-[A-Z0-9]+\.css)")re");
  ASSERT_TRUE(std::regex_search(index.body, m, js_re)) << index.body;
  const std::string js_url = m[1];
  ASSERT_TRUE(std::regex_search(index.body, m, css_re)) << index.body;
  const std::string css_url = m[1];
  for (const auto& url : {js_url, css_url}) {
    auto asset = server.request("GET", url);
    EXPECT_EQ(asset.status, 200) << url;
    EXPECT_EQ(asset.header("Cache-Control"), kImmutable) << url;
    EXPECT_FALSE(asset.has_header("Content-Security-Policy")) << url;
  }
  EXPECT_EQ(server.request("GET", js_url).header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(server.request("GET", css_url).header("Content-Type"), "text/css; charset=utf-8");
  auto revalidated = server.request("GET", "/", "", {{"If-None-Match", index.header("ETag")}});
  EXPECT_EQ(revalidated.status, 304);
  // The API is still the API under the catch-all.
  EXPECT_EQ(server.request("GET", "/api/v1/web3/chains").status, 200);

  // The person at the keyboard.
  fs::remove_all(kArtifacts);
  fs::create_directories(kArtifacts);
  auto run = sgtest::run_command({"node",
                                  (kNodeDir / "webapp" / "webapp.mjs").string(),
                                  "--base",
                                  base,
                                  "--clip",
                                  clip.string(),
                                  "--owner-key",
                                  kOwnerKey,
                                  "--holder-key",
                                  chain->key(0),
                                  "--non-holder-key",
                                  chain->key(1),
                                  "--chain-id",
                                  "1337",
                                  "--erc721",
                                  chain->erc721(),
                                  "--token-id",
                                  "1",
                                  "--artifacts",
                                  kArtifacts.string(),
                                  "--timeout-ms",
                                  "90000"},
                                 {}, std::chrono::seconds(110));
  { std::ofstream(kArtifacts / "webapp.log") << run.output; }
  const json r = last_json_line(run.output);
  if (std::getenv("SG_E2E_VERBOSE") != nullptr) std::cerr << run.output << "\n";
  ASSERT_TRUE(r.is_object()) << "webapp.mjs printed no report:\n" << run.output;
  ASSERT_EQ(run.exit_code, 0) << r.dump(2) << "\n" << server.log().substr(0, 20000);
  ASSERT_TRUE(r.value("ok", false)) << r.dump(2);
  const json& s = r["steps"];

  // No wallet: a clear message, no sign-in button that cannot work.
  EXPECT_NE(s["noWallet"].value("text", "").find("No wallet found"), std::string::npos)
      << s["noWallet"].dump();
  EXPECT_EQ(s["noWallet"]["signInButtons"], 0) << s["noWallet"].dump();

  // Signed in through the page's button: the full address in the title, shortened in text.
  const std::string owner = s["signIn"].value("walletAddress", "");
  EXPECT_EQ(s["signIn"]["title"], owner) << s["signIn"].dump();
  EXPECT_EQ(s["signIn"]["text"], owner.substr(0, 6) + "\u2026" + owner.substr(owner.size() - 4));
  EXPECT_NE(s["signIn"].value("chain", "").find("1337"), std::string::npos) << s["signIn"].dump();
  EXPECT_EQ(s["signIn"]["walletCalls"],
            json::array({"eth_requestAccounts", "eth_chainId", "personal_sign"}));

  // The upload: the bar moved through intermediate values, paused (it stood still), resumed
  // and finished; the status line showed speed and time left.
  const json& up = s["upload"];
  EXPECT_EQ(up["state"], "done") << up.dump();
  std::vector<double> values;
  for (const auto& v : up["progressValues"]) values.push_back(v.get<double>());
  ASSERT_FALSE(values.empty()) << up.dump();
  size_t intermediate = 0;
  for (double v : values) intermediate += (v > 0 && v < 100) ? 1 : 0;
  EXPECT_GE(intermediate, 3u) << up.dump();
  EXPECT_DOUBLE_EQ(values.back(), 100.0) << up.dump();
  EXPECT_NE(up.value("statusMidway", "").find("/s"), std::string::npos) << up.dump();
  EXPECT_NE(up.value("statusMidway", "").find("left"), std::string::npos) << up.dump();
  EXPECT_EQ(up["pausedAt"], up["stillAt"]) << up.dump();
  EXPECT_LT(up["pausedAt"].get<double>(), 100.0) << up.dump();
  EXPECT_NE(up.value("pausedText", "").find("Paused"), std::string::npos) << up.dump();
  const std::string id = up.value("contentId", "");
  ASSERT_EQ(id.size(), 36u) << up.dump();

  // The server has what the page said: the upload is whole and the content is the owner's.
  auto record = server.request("GET", "/api/v1/content/" + id);
  ASSERT_EQ(record.status, 200) << record.body;
  const json rec = record.json();
  EXPECT_EQ(rec["title"], "my holiday") << rec.dump();
  EXPECT_EQ(lower(rec.value("owner", "")), lower(owner)) << rec.dump();
  EXPECT_EQ(rec["source"]["size"], fs::file_size(clip)) << rec.dump();
  EXPECT_EQ(rec["status"], "ready") << rec.dump();

  // The library followed the status to ready and shows the poster, duration and views.
  const json& lib = s["library"];
  ASSERT_TRUE(lib["statuses"].is_array() && !lib["statuses"].empty()) << lib.dump();
  EXPECT_EQ(lib["statuses"].back(), "ready") << lib.dump();
  EXPECT_EQ(lib["badge"], "Ready") << lib.dump();
  EXPECT_EQ(lib["duration"], "0:06") << lib.dump();
  EXPECT_EQ(lib["posterLoaded"], true) << lib.dump();
  EXPECT_EQ(lib["views"], "0") << lib.dump();  // nobody has played it yet
  // The status went live over the event stream (GET /api/v1/events), not by polling.
  EXPECT_EQ(lib["liveMode"], "live") << lib.dump();

  // It played in the page (hls.js by default), reached by pushState (same document), with a
  // quality menu of both rungs, storyboard previews and keyboard shortcuts.
  const json& play = s["play"];
  EXPECT_GT(play["currentTime"].get<double>(), 1.5) << play.dump();
  EXPECT_EQ(play["engine"], "hls.js") << play.dump();
  EXPECT_GT(play["videoWidth"].get<int>(), 0) << play.dump();
  EXPECT_TRUE(play["sameDocument"].get<bool>()) << play.dump();
  EXPECT_EQ(play["quality"], json::array({"Auto", "360p", "240p"})) << play.dump();
  EXPECT_GT(play["storyboardCues"].get<int>(), 0) << play.dump();
  EXPECT_TRUE(play["mutedByKey"].get<bool>()) << play.dump();
  EXPECT_TRUE(play["preview"]["visible"].get<bool>()) << play.dump();
  EXPECT_TRUE(play["preview"]["cue"].is_string()) << play.dump();

  // Gated through the edit form: the chain list came from auth, the record holds the gate.
  bool listed = false;
  for (const auto& c : s["gate"]["chainOptions"]) listed = listed || c["value"] == "1337";
  EXPECT_TRUE(listed) << s["gate"].dump();
  auto gated = server.request("GET", "/api/v1/content/" + id);
  const json g = gated.json();
  EXPECT_EQ(g["visibility"], "token_gated") << g.dump();
  EXPECT_EQ(g["gate"]["chain_id"], 1337) << g.dump();
  EXPECT_EQ(lower(g["gate"].value("contract", "")), lower(chain->erc721())) << g.dump();
  EXPECT_EQ(g["gate"]["standard"], "erc721") << g.dump();
  EXPECT_EQ(g["gate"]["token_id"], "1") << g.dump();

  // The holder's wallet (account 0) is alice.eth on the local chain: the header shows it.
  EXPECT_EQ(s["holder"]["ens"], "alice.eth") << s["holder"].dump();

  // The holder plays; the non-holder is told what is required and gets no video.
  EXPECT_GT(s["holder"]["played"]["currentTime"].get<double>(), 1.5) << s["holder"].dump();
  const json& nh = s["nonHolder"];
  EXPECT_EQ(nh["code"], "gate_denied") << nh.dump();
  EXPECT_EQ(nh["recheckCode"], "gate_denied") << nh.dump();
  EXPECT_EQ(nh["hasVideo"], 0) << nh.dump();
  const std::string req = nh.value("requirement", "");
  EXPECT_NE(lower(req).find(lower(chain->erc721())), std::string::npos) << req;
  EXPECT_NE(req.find("ERC-721"), std::string::npos) << req;
  EXPECT_NE(req.find("#1"), std::string::npos) << req;
  EXPECT_NE(req.find("1337"), std::string::npos) << req;
  EXPECT_NE(nh["buttons"].dump().find("Check again"), std::string::npos) << nh.dump();
  EXPECT_NE(nh["buttons"].dump().find("Sign in"), std::string::npos) << nh.dump();
  EXPECT_EQ(s["visitor"]["code"], "sign_in_required") << s["visitor"].dump();
  // Shared links load the watch page directly (the streaming plugin serves it with OG tags).
  EXPECT_EQ(s["holder"]["via"], "direct") << s["holder"].dump();
  EXPECT_EQ(s["nonHolder"]["via"], "direct") << s["nonHolder"].dump();
  EXPECT_EQ(s["visitor"]["via"], "direct") << s["visitor"].dump();

  // The owner sees the views: the owner's own playback and the holder's.
  const json& views = s["views"];
  EXPECT_EQ(views["text"].get<std::string>().substr(0, 1), "2") << views.dump();
  EXPECT_EQ(views["liveMode"], "live") << views.dump();
  EXPECT_NE(s["visitor"].value("text", "").find("ERC-721"), std::string::npos)
      << s["visitor"].dump();

  // No Content-Security-Policy violation anywhere, no script errors.
  EXPECT_TRUE(r["csp"].empty()) << r["csp"].dump(2);
  EXPECT_TRUE(r["errors"].empty()) << r["errors"].dump(2);

  for (const char* shot :
       {"00-no-wallet.png", "01-signed-in.png", "02-uploading.png", "03-paused.png", "05-ready.png",
        "06-playing.png", "07-edit-gate.png", "08-gated.png", "09-holder-plays.png",
        "10-non-holder-denied.png", "11-signed-out.png", "12-views.png"})
    EXPECT_GT(fs::exists(kArtifacts / shot) ? fs::file_size(kArtifacts / shot) : 0, 1000u) << shot;
  const auto took = std::chrono::steady_clock::now() - t0;
  std::cerr << "[webapp] whole test " << std::chrono::duration<double>(took).count()
            << " s, browser part " << r.value("elapsedMs", 0) << " ms; screenshots in "
            << kArtifacts << "\n";
  EXPECT_LT(took, std::chrono::seconds(120));
}
