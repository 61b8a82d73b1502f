// A user's first visit, end to end, on the real stack (gateway, monitor, cache, auth, metadata,
// worker, upload; no test identity): sign in with Ethereum (siwe + ethers v6), upload a real
// video with tus-js-client, see it in the catalogue with its transcode job queued; a second
// wallet cannot touch the upload, a used SIWE message cannot be replayed, logout revokes the
// session, and /metrics counted all of it. The user is tests/node/e2e/journey.js; this file
// only starts things and checks what the user and the server report.
#include <gtest/gtest.h>
#include <signal.h>

#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <support.hpp>
#include <thread>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Fixed wallets (test keys, never funded anywhere).
constexpr const char* kAliceKey =
    "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
constexpr const char* kAliceAddress = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
constexpr const char* kMalloryKey =
    "0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f";
constexpr const char* kMalloryAddress = "0x63FaC9201494f0bd17B9892B9fae4d52fe3BD377";

const fs::path kNodeDir = SG_E2E_NODE_DIR;

bool have(const std::string& probe) {
  return std::system((probe + " > /dev/null 2>&1").c_str()) == 0;
}

// One step of the user's journey: the JSON line journey.js printed (its last line).
// SG_E2E_VERBOSE=1 prints every step's output.
json user(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"node", (kNodeDir / "e2e" / "journey.js").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto res = sgtest::run_command(argv, {}, std::chrono::seconds(30));
  std::string last;
  std::istringstream lines(res.output);
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("{")) last = line;
  json out = json::parse(last, nullptr, false);
  if (std::getenv("SG_E2E_VERBOSE") != nullptr)
    std::cerr << "journey.js " << args.at(0) << ": " << res.output;
  EXPECT_EQ(res.exit_code, 0) << "journey.js " << args.at(0) << " failed:\n" << res.output;
  if (out.is_discarded() || !out.is_object()) {
    ADD_FAILURE() << "journey.js " << args.at(0) << " printed no JSON:\n" << res.output;
    return json::object();
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Value of the first sample of `name` whose labels contain every fragment; nullopt if none.
std::optional<double> metric(const std::string& text, const std::string& name,
                             const std::vector<std::string>& fragments) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(name + "{")) continue;
    auto close = line.rfind('}');
    if (close == std::string::npos) continue;
    std::string labels = line.substr(0, close + 1);
    bool all = true;
    for (const auto& f : fragments) all = all && labels.find(f) != std::string::npos;
    if (all) return std::stod(line.substr(close + 1));
  }
  return std::nullopt;
}

// Bounds the whole journey: sgtest::http's timeout does not bound a read (Asio's blocking
// read polls without a timeout once SO_RCVTIMEO expires), so a server that stops answering
// would hold the test until ctest's TIMEOUT. Past the limit the server is SIGKILLed, which
// ends any pending request with an error, and the failure says why.
class Watchdog {
 public:
  Watchdog(sgtest::StreamGateServer& server, std::chrono::seconds limit)
      : server_(server), limit_(limit), thread_([this] {
          std::unique_lock lock(mu_);
          if (!cv_.wait_for(lock, limit_, [this] { return done_; })) {
            fired_ = true;
            ::kill(server_.pid(), SIGKILL);
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (fired_)
      ADD_FAILURE() << "the journey took longer than " << limit_.count()
                    << " s: streamgate was killed; its log:\n"
                    << server_.log();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  sgtest::StreamGateServer& server_;
  std::chrono::seconds limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;  // last: starts once everything above is initialised
};

TEST(E2EUserJourney, SignInUploadAndSeeTheContent) {
  if (!have("node --version")) GTEST_SKIP() << "node is not installed (CI installs node and npm)";
  if (!have("ffmpeg -version")) GTEST_SKIP() << "the ffmpeg CLI is not installed";
  for (const char* pkg : {"ethers", "siwe", "tus-js-client"})
    ASSERT_TRUE(fs::exists(kNodeDir / "node_modules" / pkg))
        << "tests/node/node_modules/" << pkg << " missing: run scripts/install-node-deps.sh";

  const uint16_t port = sgtest::free_port();
  const std::string host = "127.0.0.1:" + std::to_string(port);
  const std::string base = "http://" + host;
  sgtest::StreamGateServer server(
      json{{"plugins",
            {{"gateway", {{"port", port}}},
             {"auth",
              {{"jwt_secret", "e2e-user-journey-secret-0123456789abcdef"},
               {"domains", json::array({host})},
               {"schemes", json::array({"http"})},
               {"chain_ids", json::array({1})}}},
             {"cache", {{"backend", "memory"}}},
             {"monitor", {{"metrics", {{"allow", json::array({"127.0.0.1"})}}}}}}}});
  server.use_plugins({"gateway", "monitor", "cache", "auth", "metadata", "worker", "upload"});
  ASSERT_TRUE(server.start());
  Watchdog watchdog(server, std::chrono::seconds(60));
  {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    int ready = 0;
    while (ready != 200 && std::chrono::steady_clock::now() < deadline) {
      ready = server.request("GET", "/ready").status;
      if (ready != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(ready, 200) << server.request("GET", "/ready").body << "\n" << server.log();
  }

  sgtest::TempDir tmp("sg-e2e-journey");
  const fs::path video = tmp.path() / "first-video.mp4";
  auto ff = sgtest::run_command({"ffmpeg",
                                 "-nostdin",
                                 "-loglevel",
                                 "error",
                                 "-y",
                                 "-f",
                                 "lavfi",
                                 "-i",
                                 "testsrc=duration=2:size=320x240:rate=25",
                                 "-f",
                                 "lavfi",
                                 "-i",
                                 "sine=duration=2",
                                 "-shortest",
                                 "-c:v",
                                 "libx264",
                                 "-preset",
                                 "ultrafast",
                                 "-c:a",
                                 "aac",
                                 "-f",
                                 "mp4",
                                 video.string()},
                                {}, std::chrono::seconds(30));
  ASSERT_EQ(ff.exit_code, 0) << ff.output;
  const uint64_t video_size = fs::file_size(video);
  ASSERT_GT(video_size, 4096u);

  // 1. Sign in with Ethereum.
  json alice = user({"signin", base, kAliceKey, "1"});
  ASSERT_EQ(alice.value("address", ""), kAliceAddress) << alice.dump();
  ASSERT_EQ(alice["login"]["status"], 200) << alice.dump() << "\n" << server.log();
  const json& session = alice["login"]["body"];
  const std::string token = session.value("token", "");
  ASSERT_FALSE(token.empty()) << session.dump();
  EXPECT_EQ(session["token_type"], "Bearer");
  EXPECT_EQ(session["address"], kAliceAddress);
  EXPECT_EQ(session["chain_id"], 1);
  EXPECT_EQ(session["is_admin"], false);
  ASSERT_EQ(alice["me"]["status"], 200) << alice.dump();
  EXPECT_EQ(alice["me"]["body"]["address"], kAliceAddress);
  EXPECT_EQ(alice["me"]["body"]["chain_id"], 1);
  const sgtest::Headers as_alice{{"Authorization", "Bearer " + token}};

  // 2. Upload the video with tus-js-client in (at least) 4 PATCHes.
  json up = user({"upload", base, token, video.string(), "My first video", "public", "4"});
  ASSERT_EQ(up.value("success", false), true) << up.dump() << "\n" << server.log();
  EXPECT_EQ(up["size"], video_size);
  std::vector<json> patches;
  for (const auto& r : up["requests"])
    if (r["method"] == "PATCH") patches.push_back(r);
  ASSERT_FALSE(up["requests"].empty()) << up.dump();
  EXPECT_EQ(up["requests"][0]["method"], "POST") << up.dump();
  EXPECT_EQ(up["requests"][0]["status"], 201) << up.dump();
  ASSERT_GE(patches.size(), 3u) << up.dump();
  for (const auto& p : patches) EXPECT_EQ(p["status"], 204) << p.dump();
  EXPECT_EQ(patches.back()["offset"], std::to_string(video_size)) << up.dump();
  EXPECT_EQ(patches.back()["state"], "completed") << up.dump();
  const std::string url = up.value("url", "");
  const std::string upload_id = url.substr(url.rfind('/') + 1);
  ASSERT_EQ(url, base + "/files/" + upload_id) << up.dump();
  EXPECT_EQ(patches.back()["content_id"], upload_id) << up.dump();
  // Half-way the user saw the content being uploaded (and metadata cached that answer).
  EXPECT_EQ(up["midway"]["status"], 200) << up.dump();
  EXPECT_EQ(up["midway"]["body"]["status"], "uploading") << up.dump();

  // 3. The catalogue shows the video; its transcode job waits (no transcoder is loaded).
  auto list =
      server.request("GET", std::string("/api/v1/content?owner=") + kAliceAddress, "", as_alice);
  ASSERT_EQ(list.status, 200) << list.body;
  const json listed = list.json();
  json mine;
  for (const auto& item : listed["items"])
    if (item["id"] == upload_id) mine = item;
  ASSERT_TRUE(mine.is_object()) << "upload " << upload_id << " not listed: " << list.body;
  EXPECT_EQ(mine["status"], "processing") << mine.dump();
  EXPECT_EQ(mine["title"], "My first video") << mine.dump();
  EXPECT_EQ(mine["visibility"], "public") << mine.dump();
  EXPECT_EQ(lower(mine.value("owner", "")), lower(kAliceAddress)) << mine.dump();
  EXPECT_EQ(mine["source"]["size"], video_size) << mine.dump();
  EXPECT_EQ(mine["source"]["width"], 320) << mine.dump();
  EXPECT_EQ(mine["source"]["height"], 240) << mine.dump();

  // The same item by id: the answer cached half-way must not be served stale.
  auto one = server.request("GET", "/api/v1/content/" + upload_id, "", as_alice);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.json()["status"], "processing") << one.body;
  EXPECT_EQ(one.json()["source"]["size"], video_size) << one.body;

  auto jobs = server.request("GET", "/api/v1/jobs?type=transcode", "", as_alice);
  ASSERT_EQ(jobs.status, 200) << jobs.body;
  const json queued = jobs.json();
  json job;
  for (const auto& j : queued["items"])
    if (j["payload"].is_object() && j["payload"].value("content_id", "") == upload_id) job = j;
  ASSERT_TRUE(job.is_object()) << "no transcode job for " << upload_id << ": " << jobs.body;
  EXPECT_EQ(job["type"], "transcode");
  EXPECT_TRUE(job["state"] == "queued" || job["state"] == "running") << job.dump();
  EXPECT_EQ(job["idempotency_key"], "upload:" + upload_id) << job.dump();
  EXPECT_EQ(lower(job["owner"].is_string() ? job["owner"].get<std::string>() : ""),
            lower(kAliceAddress))
      << job.dump();
  EXPECT_EQ(job["payload"]["size"], video_size) << job.dump();

  // 4a. Another wallet signs in and tries Alice's upload URL.
  json mallory = user({"signin", base, kMalloryKey, "1"});
  ASSERT_EQ(mallory["login"]["status"], 200) << mallory.dump();
  const std::string mallory_token = mallory["login"]["body"].value("token", "");
  EXPECT_EQ(mallory["me"]["body"]["address"], kMalloryAddress) << mallory.dump();
  json intrusion = user({"intrude", base, mallory_token, url, video.string()});
  for (const char* step : {"head", "patch"}) {
    int status = intrusion[step].value("status", 0);
    EXPECT_TRUE(status == 403 || status == 404) << step << ": " << intrusion.dump();
  }
  EXPECT_EQ(intrusion["client"]["success"], false) << intrusion.dump();
  for (const auto& r : intrusion["client"]["requests"])
    EXPECT_NE(r["method"], "PATCH") << "tus-js-client got as far as a PATCH: " << intrusion.dump();
  // Nothing of Alice's changed: her upload is whole, Mallory sees no jobs of hers.
  auto head = server.request("HEAD", "/files/" + upload_id, "",
                             {{"Authorization", "Bearer " + token}, {"Tus-Resumable", "1.0.0"}});
  EXPECT_EQ(head.status, 200) << head.body;
  EXPECT_EQ(head.header("Upload-Offset"), std::to_string(video_size));
  auto mallory_jobs = server.request("GET", "/api/v1/jobs?type=transcode", "",
                                     {{"Authorization", "Bearer " + mallory_token}});
  ASSERT_EQ(mallory_jobs.status, 200) << mallory_jobs.body;
  EXPECT_TRUE(mallory_jobs.json()["items"].empty()) << mallory_jobs.body;

  // 4b. The first SIWE message is spent.
  json replayed = user({"replay", base, alice["message"], alice["signature"]});
  EXPECT_EQ(replayed["login"]["status"], 401) << replayed.dump();
  EXPECT_EQ(replayed["login"]["body"]["error"]["code"], "invalid_nonce") << replayed.dump();

  // 4c. Logout revokes the session.
  json out = user({"logout", base, token});
  EXPECT_TRUE(out["logout"]["status"] == 200 || out["logout"]["status"] == 204) << out.dump();
  EXPECT_EQ(out["me"]["status"], 401) << out.dump();
  auto me_after = server.request("GET", "/api/v1/auth/me", "", as_alice);
  EXPECT_EQ(me_after.status, 401) << me_after.body;
  auto list_after = server.request("GET", "/api/v1/jobs?type=transcode", "", as_alice);
  EXPECT_EQ(list_after.status, 401) << list_after.body;

  // 5. /metrics counted it all.
  auto scrape = server.request("GET", "/metrics");
  ASSERT_EQ(scrape.status, 200) << scrape.body;
  const std::string& m = scrape.body;
  const std::string files_route = "route=\"/files/{id}\"";
  auto patched =
      metric(m, "sg_http_requests_total", {files_route, "method=\"PATCH\"", "status=\"204\""});
  ASSERT_TRUE(patched.has_value()) << m;
  EXPECT_GE(*patched, static_cast<double>(patches.size()));
  auto refused_head =
      metric(m, "sg_http_requests_total",
             {files_route, "method=\"HEAD\"",
              "status=\"" + std::to_string(intrusion["head"].value("status", 0)) + "\""});
  EXPECT_TRUE(refused_head.has_value() && *refused_head >= 1) << m;
  auto logins_ok = metric(m, "streamgate_auth_siwe_logins_total", {"result=\"ok\""});
  auto logins_failed = metric(m, "streamgate_auth_siwe_logins_total", {"result=\"failed\""});
  EXPECT_EQ(logins_ok.value_or(-1), 2) << m;
  EXPECT_EQ(logins_failed.value_or(-1), 1) << m;  // the replay
  auto sign_ins = metric(m, "sg_http_requests_total",
                         {"route=\"/api/v1/auth/siwe\"", "method=\"POST\"", "status=\"200\""});
  EXPECT_EQ(sign_ins.value_or(-1), 2) << m;
}

}  // namespace
