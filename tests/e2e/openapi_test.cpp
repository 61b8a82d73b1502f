// docs/openapi.yaml against the real server. One streamgate with every built plugin (no
// use_plugins: the build's plugin folder, test-only plugins live elsewhere), real SIWE
// sessions (an administrator and a plain user, tests/node/openapi/wallet.mjs) and a real clip
// uploaded and transcoded, so content, jobs, playback and /stream are real; webhooks are
// delivered to a loopback receiver (tests/node/openapi/receiver.mjs), whose requests'
// bodies are validated against the same Event schema as the /api/v1/events stream:
//  - RoutesMatchTheDocument: the routes the gateway registered (GET /api/v1/admin/routes) and
//    the documented paths + methods of the loaded plugins (`x-plugin`) are the same set;
//  - ResponsesMatchTheDocument: every documented operation is called for its success and its
//    errors; each answer (method, route template, status, content type, body) is recorded and
//    tests/node/openapi/validate.mjs checks them against the document with ajv (a status the
//    document does not list for that operation, a body off its schema, or a documented
//    header missing (`required`) or off its schema, fails).
#include <gtest/gtest.h>
#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <support.hpp>
#include <thread>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using sgtest::Headers;
using sgtest::HttpResponse;

const fs::path kSourceDir = SG_TEST_SOURCE_DIR;
const fs::path kNodeDir = SG_TEST_NODE_DIR;
const fs::path kSpec = kSourceDir / "docs" / "openapi.yaml";

// Test keys, never funded anywhere. The first is the well-known development account #0
// (its address is fixed), made an administrator; the second is a plain user.
constexpr const char* kAdminKey =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr const char* kAdminAddress = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
constexpr const char* kUserKey =
    "0x7ad09f0a9fbc1e9dda52d018f1a9ecebf95094f9dd9b651f5dcaabf1c5c26d7f";
constexpr const char* kMetricsToken = "openapi-test-metrics-token-0123456789";
// base64("metrics:" + kMetricsToken), the scrape credential /metrics takes as HTTP Basic.
constexpr const char* kMetricsBasic =
    "bWV0cmljczpvcGVuYXBpLXRlc3QtbWV0cmljcy10b2tlbi0wMTIzNDU2Nzg5";
constexpr uint64_t kDeadChainId = 31337;
constexpr const char* kUnknownId = "00000000-0000-4000-8000-000000000000";

std::string skip_reason() {
  if (!sgtest::in_path("node")) return "node is not installed";
  if (!sgtest::in_path("ffmpeg")) return "the ffmpeg CLI is not installed";
  if (!sgtest::in_path("curl")) return "curl is not installed (it follows the event stream)";
  if (!fs::exists(kNodeDir / "node_modules" / "ajv") ||
      !fs::exists(kNodeDir / "node_modules" / "siwe"))
    return "tests/node/node_modules is incomplete (scripts/install-node-deps.sh)";
  return "";
}

// A route pattern with its parameter names dropped: /stream/{id}/{path*} -> /stream/{}/{}.
std::string normalise_pattern(const std::string& pattern) {
  static const std::regex param(R"(\{[^}]*\})");
  return std::regex_replace(pattern, param, "{}");
}

using RouteSet = std::map<std::string, std::set<std::string>>;  // pattern -> methods

// GET routes answer HEAD implicitly: HEAD counts only where GET is absent.
void drop_implicit_head(RouteSet& routes) {
  for (auto& [pattern, methods] : routes)
    if (methods.contains("GET")) methods.erase("HEAD");
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Headers bearer(const std::string& token, Headers more = {}) {
  more.push_back({"Authorization", "Bearer " + token});
  return more;
}

// The server, its users and the media they made; started once for both tests.
struct Stack {
  sgtest::TempDir dir{"sg-openapi"};
  std::unique_ptr<sgtest::StreamGateServer> server;
  std::string admin;  // session tokens
  std::string user;
  json wallet_exchanges = json::array();  // answers wallet.mjs recorded (SIWE)
  std::set<std::string> plugins;          // ids of the loaded plugins

  std::string base() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
  // The web app page streaming's /watch/{id} serves (plugins.streaming.watch_page).
  fs::path watch_page() const { return dir.path() / "app" / "index.html"; }
  // The loopback webhook receiver (tests/node/openapi/receiver.mjs) and what it received.
  sgtest::Process receiver;
  std::string receiver_url;
  fs::path received() const { return dir.path() / "webhooks.jsonl"; }
};

constexpr const char* kGlobalWebhookSecret = "openapi-test-global-webhook-secret-0123456789";

// Starts receiver.mjs on a free loopback port; false when it never listens.
bool start_receiver(Stack& s) {
  const uint16_t port = sgtest::free_port();
  const fs::path log = s.dir.path() / "receiver.log";
  s.receiver = sgtest::Process::spawn({"node", (kNodeDir / "openapi" / "receiver.mjs").string(),
                                       std::to_string(port), s.received().string()},
                                      {}, log);
  s.receiver_url = "http://127.0.0.1:" + std::to_string(port);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (sgtest::read_file(log).find("listening") == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline || !s.receiver.running()) {
      ADD_FAILURE() << "receiver.mjs never listened:\n" << sgtest::read_file(log);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// A page like the web app's: the watch route puts its link-preview tags at the marker.
constexpr const char* kWatchPage =
    "<!doctype html><html><head><meta charset=\"utf-8\"><!--sg:head--><title>app</title></head>"
    "<body><div id=\"app\"></div></body></html>\n";

json run_wallet(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"node", (kNodeDir / "openapi" / "wallet.mjs").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = sgtest::run_command(argv, {}, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string last;
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("{")) last = line;
  json out = json::parse(last, nullptr, false);
  if (out.is_discarded()) ADD_FAILURE() << "wallet.mjs printed no JSON:\n" << r.output;
  return out.is_discarded() ? json::object() : out;
}

std::string sign_in(Stack& s, const char* key) {
  json out = run_wallet({"siwe", s.base(), key});
  for (const auto& x : out.value("exchanges", json::array())) s.wallet_exchanges.push_back(x);
  return out.value("token", "");
}

std::unique_ptr<Stack> start_stack() {
  auto s = std::make_unique<Stack>();
  fs::path web = s->dir.path() / "web";
  fs::create_directories(web / "docs");
  std::ofstream(web / "index.html") << "<!doctype html><title>StreamGate</title>\n";
  std::ofstream(web / "docs" / "index.html") << "<!doctype html><title>docs</title>\n";
  std::ofstream(web / "style.css") << "body { margin: 0; }\n";
  fs::create_directories(s->watch_page().parent_path());
  std::ofstream(s->watch_page()) << kWatchPage;
  if (!start_receiver(*s)) return nullptr;
  s->server = std::make_unique<sgtest::StreamGateServer>();
  const std::string domain = "127.0.0.1:" + std::to_string(s->server->port());
  // A chain whose only RPC endpoint is a closed loopback port: NFT checks on it fail closed.
  const std::string dead_rpc = "http://127.0.0.1:" + std::to_string(sgtest::free_port());
  s->server->merge_config(
      {{"plugins",
        {{"gateway",
          {{"static",
            {{"dir", web.string()},
             {"cache_rules", json::array({{{"path_prefix", "/docs/"},
                                           {"cache_control", "public, max-age=60"}}})}}}}},
         {"monitor", {{"metrics", {{"token", kMetricsToken}}}}},
         {"auth",
          {{"jwt_secret", "openapi-test-secret-0123456789abcdef-0123"},
           {"domains", {domain}},
           {"chain_ids", {1}},
           {"admins", {kAdminAddress}},
           {"chains", json::array({{{"chain_id", kDeadChainId},
                                    {"name", "Unreachable"},
                                    {"rpc_urls", {dead_rpc}},
                                    {"timeout_ms", 300}}})},
           {"cookie", {{"secure", false}}}}},
         {"transcoder",
          {{"ladder", json::array({{{"height", 240}, {"video_bitrate", 300000}}})},
           {"preset", "ultrafast"},
           {"segment_seconds", 2},
           {"storyboard_interval_seconds", 1},
           {"max_duration_seconds", 60}}},
         {"streaming", {{"watch_page", s->watch_page().string()}}},
         // Webhooks reach the loopback receiver; a failed attempt waits a minute, so a
         // delivery to a closed port stays pending while the test runs.
         {"worker",
          {{"poll_ms", 100},
           {"webhooks",
            {{"allow_private_targets", true},
             {"timeout_ms", 2000},
             {"max_attempts", 2},
             {"backoff_ms", json::array({60000})},
             {"max_endpoints_per_owner", 2},
             {"endpoints", json::array({{{"url", s->receiver_url + "/global"},
                                         {"topics", json::array({"content.deleted"})},
                                         {"secret", kGlobalWebhookSecret},
                                         {"description", "operations"}}})}}}}}}}});
  if (!s->server->start()) return nullptr;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (s->server->request("GET", "/ready").status != 200) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "the server never became ready\n" << s->server->log();
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  s->admin = sign_in(*s, kAdminKey);
  s->user = sign_in(*s, kUserKey);
  if (s->admin.empty() || s->user.empty()) return nullptr;
  auto plugins = s->server->request("GET", "/api/v1/admin/plugins", "", bearer(s->admin));
  if (plugins.status != 200) {
    ADD_FAILURE() << "GET /api/v1/admin/plugins: " << plugins.status << " " << plugins.body;
    return nullptr;
  }
  for (const auto& p : plugins.json()) s->plugins.insert(p.value("id", ""));
  return s;
}

Stack* shared_stack() {
  static std::unique_ptr<Stack> stack = start_stack();
  return stack.get();
}

// Makes requests, checks each answer's status against what the test meant to provoke, and
// keeps every exchange for validate.mjs.
class Recorder {
 public:
  explicit Recorder(Stack& s) : s_(s) {}

  HttpResponse call(std::initializer_list<int> expected, const std::string& method,
                    const std::string& route, const std::string& target,
                    const std::string& body = "", Headers headers = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    HttpResponse r = s_.server->request(method, target, body, std::move(headers), timeout);
    EXPECT_TRUE(std::find(expected.begin(), expected.end(), r.status) != expected.end())
        << method << " " << target << " answered " << r.status << ": " << r.body.substr(0, 400);
    record(method, route, target, r);
    return r;
  }
  HttpResponse call(int expected, const std::string& method, const std::string& route,
                    const std::string& target, const std::string& body = "", Headers headers = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    return call({expected}, method, route, target, body, std::move(headers), timeout);
  }

  void record(const std::string& method, const std::string& route, const std::string& target,
              const HttpResponse& r) {
    // Lower-cased names (the first value of each), for the documented response headers.
    json headers = json::object();
    for (const auto& [name, value] : r.headers) {
      std::string key = name;
      for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!headers.contains(key)) headers[key] = value;
    }
    const std::string type = r.header("Content-Type");
    // JSON and event streams are validated; other bodies only need their size.
    const bool text = type.find("json") != std::string::npos ||
                      type.find("text/event-stream") != std::string::npos;
    exchanges_.push_back({{"method", method},
                          {"route", route},
                          {"target", target},
                          {"status", r.status},
                          {"content_type", type},
                          {"body", text ? r.body : ""},
                          {"body_bytes", r.body.size()},
                          {"allow", r.header("Allow")},
                          {"headers", headers}});
  }
  void add(const json& exchange) { exchanges_.push_back(exchange); }
  const json& exchanges() const { return exchanges_; }

 private:
  Stack& s_;
  json exchanges_ = json::array();
};

// GET /api/v1/events, followed by curl (-N: no buffering) while the test makes things
// happen; finish() ends it and returns what came as one recorded exchange.
class EventStream {
 public:
  EventStream(Stack& s, const std::string& token)
      : file_(s.dir.path() / "events.txt"),
        process_(sgtest::Process::spawn(
            {"curl", "-sS", "-i", "-N", "--noproxy", "*", "--max-time", "120", "-H",
             "Authorization: Bearer " + token, s.base() + "/api/v1/events"},
            {}, file_)) {}

  json finish() {
    process_.signal(SIGTERM);
    process_.wait(std::chrono::seconds(5));
    const std::string out = sgtest::read_file(file_);
    const size_t end = out.find("\r\n\r\n");
    const std::string head = out.substr(0, end);
    int status = 0;
    if (head.starts_with("HTTP/")) status = std::atoi(head.c_str() + head.find(' ') + 1);
    std::string type;
    std::istringstream lines(head);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::string lower = line;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower.starts_with("content-type:")) type = line.substr(line.find(':') + 2);
    }
    const std::string body = end == std::string::npos ? "" : out.substr(end + 4);
    return {{"method", "GET"},          {"route", "/api/v1/events"}, {"target", "/api/v1/events"},
            {"status", status},         {"content_type", type},      {"body", body},
            {"body_bytes", body.size()}};
  }

 private:
  fs::path file_;
  sgtest::Process process_;
};

// Polls (unrecorded) until the content leaves `processing`; returns its last state.
std::string wait_for_content(Stack& s, const std::string& id) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  std::string status;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = s.server->request("GET", "/api/v1/content/" + id, "", bearer(s.admin));
    status = r.status == 200 ? r.json().value("status", "") : "";
    if (status == "ready" || status == "failed") return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return status;
}

std::string wait_for_job_end(Stack& s, const std::string& id) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string state;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = s.server->request("GET", "/api/v1/jobs/" + id, "", bearer(s.admin));
    state = r.status == 200 ? r.json().value("state", "") : "";
    if (state != "queued" && state != "running") return state;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return state;
}

std::string multipart(const std::string& boundary,
                      const std::vector<std::pair<std::string, std::string>>& fields,
                      const std::string& file_name, const std::string& file) {
  std::string b;
  for (const auto& [name, value] : fields)
    b += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
         value + "\r\n";
  if (!file_name.empty())
    b += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
         file_name + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + file + "\r\n";
  return b + "--" + boundary + "--\r\n";
}

// The first URI line of an HLS playlist ("" when none).
std::string first_uri(const std::string& playlist) {
  std::istringstream lines(playlist);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] != '#') return line;
  }
  return "";
}

// The value of URI="..." in the first line that has one ("" when none).
std::string uri_attribute(const std::string& playlist) {
  static const std::regex uri(R"re(URI="([^"]+)")re");
  std::smatch m;
  return std::regex_search(playlist, m, uri) ? m[1].str() : "";
}

void exercise_monitor(Recorder& rec, Stack& s) {
  rec.call(200, "GET", "/health", "/health");
  rec.call(200, "HEAD", "/health", "/health");
  rec.call(200, "GET", "/ready", "/ready");
  rec.call(200, "GET", "/metrics", "/metrics", "", bearer(s.admin));
  rec.call(200, "GET", "/metrics", "/metrics", "",
           {{"Authorization", std::string("Basic ") + kMetricsBasic}});
  rec.call(401, "GET", "/metrics", "/metrics");
  rec.call(401, "GET", "/metrics", "/metrics", "", bearer(s.user));
  rec.call(200, "GET", "/api/v1/admin/plugins", "/api/v1/admin/plugins", "", bearer(s.admin));
  rec.call(403, "GET", "/api/v1/admin/plugins", "/api/v1/admin/plugins");
  rec.call(403, "GET", "/api/v1/admin/plugins", "/api/v1/admin/plugins", "", bearer(s.user));
  rec.call(200, "GET", "/api/v1/admin/routes", "/api/v1/admin/routes", "", bearer(s.admin));
  rec.call(403, "GET", "/api/v1/admin/routes", "/api/v1/admin/routes");
  rec.call(403, "GET", "/api/v1/admin/routes", "/api/v1/admin/routes", "", bearer(s.user));
  rec.call(405, "POST", "/health", "/health");
  rec.call(401, "GET", "/api/v1/events", "/api/v1/events");
  rec.call(403, "GET", "/api/v1/events", "/api/v1/events?scope=all", "", bearer(s.user));
  rec.call(400, "GET", "/api/v1/events", "/api/v1/events?scope=everything", "", bearer(s.user));
}

void exercise_auth(Recorder& rec, Stack& s) {
  const Headers json_type{{"Content-Type", "application/json"}};
  for (const auto& x : s.wallet_exchanges) rec.add(x);
  s.wallet_exchanges.clear();
  rec.call(200, "GET", "/api/v1/auth/nonce", "/api/v1/auth/nonce");
  rec.call(400, "POST", "/api/v1/auth/siwe", "/api/v1/auth/siwe", "{}", json_type);
  rec.call(400, "POST", "/api/v1/auth/siwe", "/api/v1/auth/siwe", "{not json", json_type);
  rec.call(400, "POST", "/api/v1/auth/siwe", "/api/v1/auth/siwe",
           json{{"message", "not a SIWE message"}, {"signature", "0x00"}}.dump(), json_type);
  rec.call(413, "POST", "/api/v1/auth/siwe", "/api/v1/auth/siwe", std::string(70 * 1024, ' '),
           json_type);
  rec.call(200, "GET", "/api/v1/auth/me", "/api/v1/auth/me", "", bearer(s.admin));
  rec.call(401, "GET", "/api/v1/auth/me", "/api/v1/auth/me");
  rec.call(401, "GET", "/api/v1/auth/me", "/api/v1/auth/me", "", bearer("not.a.jwt"));

  // refresh and logout spend a session of their own.
  std::string spare = sign_in(s, kUserKey);
  for (const auto& x : s.wallet_exchanges) rec.add(x);
  s.wallet_exchanges.clear();
  auto refreshed =
      rec.call(200, "POST", "/api/v1/auth/refresh", "/api/v1/auth/refresh", "", bearer(spare));
  rec.call(401, "POST", "/api/v1/auth/refresh", "/api/v1/auth/refresh");
  rec.call(401, "POST", "/api/v1/auth/refresh", "/api/v1/auth/refresh", "", bearer(spare));
  std::string fresh = refreshed.status == 200 ? refreshed.json().value("token", "") : "";
  rec.call(200, "POST", "/api/v1/auth/logout", "/api/v1/auth/logout", "", bearer(fresh));
  rec.call(401, "POST", "/api/v1/auth/logout", "/api/v1/auth/logout");
  rec.call(401, "POST", "/api/v1/auth/logout", "/api/v1/auth/logout", "", bearer(fresh));

  json typed = run_wallet({"typed", kUserKey});
  const std::string verify = "/api/v1/auth/eip712/verify";
  rec.call(200, "POST", verify, verify, typed.dump(), json_type);
  json wrong = typed;
  wrong["address"] = kAdminAddress;
  rec.call(200, "POST", verify, verify, wrong.dump(), json_type);
  rec.call(400, "POST", verify, verify, json{{"signature", "0x00"}}.dump(), json_type);
  json garbled = typed;
  garbled["signature"] = "0x1234";
  rec.call(400, "POST", verify, verify, garbled.dump(), json_type);
  rec.call(413, "POST", verify, verify, std::string(40 * 1024, ' '), json_type);

  const std::string nft = "/api/v1/web3/nft/verify";
  const json query{{"chain_id", kDeadChainId}, {"contract", "0x" + std::string(40, '1')}};
  rec.call(401, "POST", nft, nft, query.dump(), json_type);
  rec.call(503, "POST", nft, nft, query.dump(), bearer(s.user, json_type));
  json unknown_chain = query;
  unknown_chain["chain_id"] = 1;
  rec.call(400, "POST", nft, nft, unknown_chain.dump(), bearer(s.user, json_type));
  rec.call(400, "POST", nft, nft, json{{"chain_id", "one"}}.dump(), bearer(s.user, json_type));
  json other = query;
  other["address"] = kAdminAddress;
  other["refresh"] = true;
  rec.call(403, "POST", nft, nft, other.dump(), bearer(s.user, json_type));
  rec.call(200, "GET", "/api/v1/web3/chains", "/api/v1/web3/chains");
  // ENS is on chain 1 by default, which this stack does not configure: names are null.
  const std::string ens = "/api/v1/web3/ens/{address}";
  const std::string ens_of_admin = "/api/v1/web3/ens/" + std::string(kAdminAddress);
  rec.call(401, "GET", ens, ens_of_admin);
  rec.call(400, "GET", ens, "/api/v1/web3/ens/0x1234", "", bearer(s.user));
  rec.call(200, "GET", ens, ens_of_admin, "", bearer(s.user));
}

struct Media {
  std::string content;  // ready, public, owned by the admin
  std::string upload;   // the same id
  std::string job;      // its transcode job
  std::string draft;    // a record without media (status uploading)
};

Media exercise_uploads(Recorder& rec, Stack& s) {
  Media m;
  fs::path clip = s.dir.path() / "clip.mp4";
  auto made = sgtest::make_test_clip(clip, {.seconds = 4});
  EXPECT_EQ(made.exit_code, 0) << made.output;
  const std::string bytes = sgtest::read_file(clip);
  const Headers mp4{{"Content-Type", "video/mp4"}};
  const std::string uploads = "/api/v1/uploads";
  auto up = rec.call(201, "POST", uploads, uploads + "?filename=clip.mp4&title=openapi", bytes,
                     bearer(s.admin, mp4), std::chrono::seconds(30));
  if (up.status == 201) {
    json u = up.json();
    m.upload = m.content = u.value("content_id", "");
    m.job = u["probe"].value("transcode_job", "");
  }
  rec.call(401, "POST", uploads, uploads + "?filename=x.mp4", bytes, mp4);
  rec.call(422, "POST", uploads, uploads + "?filename=notes.txt", "just some text",
           bearer(s.admin, {{"Content-Type", "text/plain"}}));
  rec.call(415, "POST", uploads, uploads, "x",
           bearer(s.admin, {{"Content-Type", "multipart/mixed; boundary=b"}}));
  rec.call(400, "POST", uploads, uploads, multipart("b0undary", {{"colour", "red"}}, "x.txt", "x"),
           bearer(s.admin, {{"Content-Type", "multipart/form-data; boundary=b0undary"}}));
  rec.call(400, "POST", uploads, uploads, multipart("b0undary", {{"title", "no file"}}, "", ""),
           bearer(s.admin, {{"Content-Type", "multipart/form-data; boundary=b0undary"}}));
  rec.call(422, "POST", uploads, uploads,
           multipart("b0undary", {{"title", "text"}}, "notes.txt", "not a video"),
           bearer(s.admin, {{"Content-Type", "multipart/form-data; boundary=b0undary"}}));

  const std::string one = "/api/v1/uploads/{id}";
  rec.call(200, "GET", one, "/api/v1/uploads/" + m.upload, "", bearer(s.admin));
  rec.call(401, "GET", one, "/api/v1/uploads/" + m.upload);
  rec.call(403, "GET", one, "/api/v1/uploads/" + m.upload, "", bearer(s.user));
  rec.call(404, "GET", one, std::string("/api/v1/uploads/") + kUnknownId, "", bearer(s.admin));

  // tus (the administrator's upload; the plain user is the stranger): create, look, append,
  // finish through the method override, terminate.
  const Headers tus{{"Tus-Resumable", "1.0.0"}};
  for (const char* base : {"/files/", "/files"}) rec.call(204, "OPTIONS", base, base);
  auto created = rec.call(201, "POST", "/files/", "/files/", "",
                          bearer(s.admin, {{"Tus-Resumable", "1.0.0"}, {"Upload-Length", "10"}}));
  rec.call(201, "POST", "/files", "/files", "",
           bearer(s.admin, {{"Tus-Resumable", "1.0.0"}, {"Upload-Defer-Length", "1"}}));
  rec.call(412, "POST", "/files/", "/files/", "", bearer(s.admin, {{"Upload-Length", "10"}}));
  rec.call(401, "POST", "/files/", "/files/", "",
           {{"Tus-Resumable", "1.0.0"}, {"Upload-Length", "10"}});
  rec.call(400, "POST", "/files/", "/files/", "", bearer(s.admin, tus));
  rec.call(400, "POST", "/files", "/files", "",
           bearer(s.admin, {{"Tus-Resumable", "1.0.0"}, {"Upload-Length", "ten"}}));
  std::string location = created.header("Location");
  std::string tus_id = location.substr(location.find_last_of('/') + 1);
  const std::string file = "/files/{id}";
  const std::string target = "/files/" + tus_id;
  const Headers chunk{{"Tus-Resumable", "1.0.0"},
                      {"Content-Type", "application/offset+octet-stream"}};
  rec.call(204, "OPTIONS", file, target);
  rec.call(200, "HEAD", file, target, "", bearer(s.admin, tus));
  rec.call(403, "HEAD", file, target, "", bearer(s.user, tus));
  rec.call(404, "HEAD", file, std::string("/files/") + kUnknownId, "", bearer(s.admin, tus));
  Headers at0 = chunk;
  at0.push_back({"Upload-Offset", "0"});
  rec.call(204, "PATCH", file, target, "hello", bearer(s.admin, at0));
  rec.call(409, "PATCH", file, target, "hello", bearer(s.admin, at0));
  rec.call(403, "PATCH", file, target, "hello", bearer(s.user, at0));
  Headers at5 = at0;
  at5.back().second = "5";
  Headers wrong_type = at5;
  wrong_type[1].second = "text/plain";
  rec.call(415, "PATCH", file, target, "world", bearer(s.admin, wrong_type));
  rec.call(412, "PATCH", file, target, "world", bearer(s.admin, {{"Upload-Offset", "5"}}));
  Headers via_post = at5;
  via_post.push_back({"X-HTTP-Method-Override", "PATCH"});
  rec.call(204, "POST", file, target, "world", bearer(s.admin, via_post));
  rec.call(405, "POST", file, target, "", bearer(s.admin, tus));
  rec.call(403, "DELETE", file, target, "", bearer(s.user, tus));
  rec.call(204, "DELETE", file, target, "", bearer(s.admin, tus));
  rec.call(404, "DELETE", file, target, "", bearer(s.admin, tus));
  return m;
}

void exercise_content(Recorder& rec, Stack& s, Media& m) {
  const Headers json_type{{"Content-Type", "application/json"}};
  const std::string list = "/api/v1/content";
  const std::string one = "/api/v1/content/{id}";
  auto draft = rec.call(201, "POST", list, list, json{{"title", "draft"}}.dump(),
                        bearer(s.admin, json_type));
  m.draft = draft.status == 201 ? draft.json().value("id", "") : "";
  rec.call(401, "POST", list, list, json{{"title", "x"}}.dump(), json_type);
  rec.call(400, "POST", list, list, json{{"status", "ready"}}.dump(), bearer(s.admin, json_type));
  rec.call(400, "POST", list, list, "[1,", bearer(s.admin, json_type));
  rec.call(200, "GET", list, list);
  rec.call(200, "GET", list, list + "?limit=1&status=ready", "", bearer(s.user));
  rec.call(400, "GET", list, list + "?limit=0");
  rec.call(400, "GET", list, list + "?colour=red");
  rec.call(200, "GET", one, "/api/v1/content/" + m.content);
  rec.call(400, "GET", one, "/api/v1/content/not-a-uuid");
  rec.call(404, "GET", one, std::string("/api/v1/content/") + kUnknownId);
  const std::string draft_url = "/api/v1/content/" + m.draft;
  rec.call(200, "PATCH", one, draft_url, json{{"visibility", "signed_in"}}.dump(),
           bearer(s.admin, json_type));
  rec.call(401, "GET", one, draft_url);
  rec.call(200, "GET", one, draft_url, "", bearer(s.user));
  rec.call(401, "PATCH", one, draft_url, json{{"title", "x"}}.dump(), json_type);
  rec.call(403, "PATCH", one, draft_url, json{{"title", "x"}}.dump(), bearer(s.user, json_type));
  rec.call(400, "PATCH", one, draft_url, json{{"title", ""}}.dump(), bearer(s.admin, json_type));
  rec.call(404, "PATCH", one, std::string("/api/v1/content/") + kUnknownId,
           json{{"title", "x"}}.dump(), bearer(s.admin, json_type));
  rec.call(405, "PUT", one, draft_url, "{}", bearer(s.admin, json_type));

  // Playback and media, on the transcoded clip.
  EXPECT_EQ(wait_for_content(s, m.content), "ready") << s.server->log();
  const std::string playback = "/api/v1/content/{id}/playback";
  rec.call(200, "GET", playback, "/api/v1/content/" + m.content + "/playback");
  rec.call(404, "GET", playback, std::string("/api/v1/content/") + kUnknownId + "/playback");
  rec.call(404, "GET", playback, "/api/v1/content/nope/playback");
  rec.call(401, "GET", playback, draft_url + "/playback");
  rec.call(409, "GET", playback, draft_url + "/playback", "", bearer(s.admin));

  const std::string media = "/stream/{id}/{path}";
  const std::string root = "/stream/" + m.content + "/";
  auto master = rec.call(200, "GET", media, root + "master.m3u8");
  rec.call(200, "HEAD", media, root + "master.m3u8");
  rec.call(200, "GET", media, root + "manifest.mpd");
  std::string rung = first_uri(master.body);
  rung = rung.substr(0, rung.find('?'));
  auto playlist = rec.call(200, "GET", media, root + rung);
  const std::string rung_dir = rung.substr(0, rung.find_last_of('/') + 1);
  std::string init = uri_attribute(playlist.body);
  std::string segment = first_uri(playlist.body);
  if (!init.empty()) rec.call(200, "GET", media, root + rung_dir + init.substr(0, init.find('?')));
  auto seg = rec.call(200, "GET", media, root + rung_dir + segment.substr(0, segment.find('?')));
  rec.call(206, "GET", media, root + rung_dir + segment.substr(0, segment.find('?')), "",
           {{"Range", "bytes=0-99"}});
  rec.call(304, "GET", media, root + rung_dir + segment.substr(0, segment.find('?')), "",
           {{"If-None-Match", seg.header("ETag")}});
  rec.call(416, "GET", media, root + rung_dir + segment.substr(0, segment.find('?')), "",
           {{"Range", "bytes=999999999-"}});
  rec.call(200, "GET", media, root + "poster.jpg");
  rec.call(200, "GET", media, root + "storyboard.vtt");
  rec.call(404, "GET", media, root + "secrets.txt");
  rec.call(404, "GET", media, std::string("/stream/") + kUnknownId + "/master.m3u8");
  rec.call(401, "GET", media, "/stream/" + m.draft + "/master.m3u8");
  rec.call(401, "GET", media, "/stream/" + m.draft + "/master.m3u8?token=forged");
  rec.call(200, "GET", media, root + "master.m3u8?token=forged");  // public: no token needed
  rec.call(409, "GET", media, "/stream/" + m.draft + "/master.m3u8", "", bearer(s.admin));

  rec.call(403, "DELETE", one, draft_url, "", bearer(s.user));
  rec.call(401, "DELETE", one, draft_url);
  rec.call(204, "DELETE", one, draft_url, "", bearer(s.admin));
  rec.call(404, "DELETE", one, draft_url, "", bearer(s.admin));
  rec.call(400, "DELETE", one, "/api/v1/content/nope", "", bearer(s.admin));
}

void exercise_jobs(Recorder& rec, Stack& s, const Media& m) {
  const std::string list = "/api/v1/jobs";
  const std::string one = "/api/v1/jobs/{id}";
  rec.call(200, "GET", list, list, "", bearer(s.admin));
  rec.call(200, "GET", list, list + "?state=succeeded&type=transcode&limit=5", "", bearer(s.user));
  rec.call(401, "GET", list, list);
  rec.call(400, "GET", list, list + "?state=sleeping", "", bearer(s.admin));
  rec.call(403, "GET", list, list + "?owner=" + std::string(kAdminAddress), "", bearer(s.user));
  const std::string job = "/api/v1/jobs/" + m.job;
  EXPECT_EQ(wait_for_job_end(s, m.job), "succeeded");
  rec.call(200, "GET", one, job, "", bearer(s.admin));
  rec.call(401, "GET", one, job);
  rec.call(403, "GET", one, job, "", bearer(s.user));
  rec.call(404, "GET", one, std::string("/api/v1/jobs/") + kUnknownId, "", bearer(s.admin));
  rec.call(400, "GET", one, "/api/v1/jobs/42", "", bearer(s.admin));
  rec.call(409, "POST", "/api/v1/jobs/{id}/retry", job + "/retry", "", bearer(s.admin));
  rec.call(413, "POST", "/api/v1/jobs/{id}/retry", job + "/retry", "{}", bearer(s.admin));
  rec.call(404, "POST", "/api/v1/jobs/{id}/retry",
           std::string("/api/v1/jobs/") + kUnknownId + "/retry", "", bearer(s.admin));
  rec.call(409, "POST", "/api/v1/jobs/{id}/cancel", job + "/cancel", "", bearer(s.admin));
  rec.call(403, "POST", "/api/v1/jobs/{id}/cancel", job + "/cancel", "", bearer(s.user));
  rec.call(409, "DELETE", one, job, "", bearer(s.admin));
  rec.call(404, "DELETE", one, std::string("/api/v1/jobs/") + kUnknownId, "", bearer(s.admin));

  // A job cancelled while it waits or runs, then retried.
  fs::path clip = s.dir.path() / "clip.mp4";
  auto up = s.server->request(
      "POST", "/api/v1/uploads?filename=again.mp4&title=again", sgtest::read_file(clip),
      bearer(s.admin, {{"Content-Type", "video/mp4"}}), std::chrono::seconds(30));
  ASSERT_EQ(up.status, 201) << up.body;
  const std::string second = up.json()["probe"].value("transcode_job", "");
  rec.call({200, 409}, "POST", "/api/v1/jobs/{id}/cancel", "/api/v1/jobs/" + second + "/cancel", "",
           bearer(s.admin));
  const std::string ended = wait_for_job_end(s, second);
  rec.call(ended == "cancelled" ? 200 : 409, "POST", "/api/v1/jobs/{id}/retry",
           "/api/v1/jobs/" + second + "/retry", "", bearer(s.admin));
  rec.call({200, 409}, "DELETE", one, "/api/v1/jobs/" + second, "", bearer(s.admin));
  wait_for_job_end(s, second);
}

// Polls (unrecorded) the newest delivery of an endpoint until it is no longer pending.
json wait_for_delivery(Stack& s, const std::string& token, const std::string& endpoint) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  json last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r =
        s.server->request("GET", "/api/v1/webhooks/" + endpoint + "/deliveries", "", bearer(token));
    if (r.status == 200 && !r.json()["items"].empty()) {
      last = r.json()["items"][0];
      if (last.value("status", "") != "pending") return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "no finished delivery on webhook " << endpoint << ": " << last.dump();
  return last;
}

// Webhooks: the plain user's endpoints (one at the loopback receiver, one at a closed port
// whose delivery stays pending), the global one of the config file (administrators only,
// read-only). The user's draft (returned) is the event they are told about.
std::string exercise_webhooks(Recorder& rec, Stack& s) {
  const Headers json_type{{"Content-Type", "application/json"}};
  const std::string list = "/api/v1/webhooks";
  const std::string one = "/api/v1/webhooks/{id}";
  const std::string unknown = std::string("/api/v1/webhooks/") + kUnknownId;
  const json good_body{{"url", s.receiver_url + "/user"},
                       {"topics", json::array({"content.*"})},
                       {"description", "mine"}};
  auto good = rec.call(201, "POST", list, list, good_body.dump(), bearer(s.user, json_type));
  const std::string good_id = good.status == 201 ? good.json().value("id", "") : "";
  const std::string good_url = "/api/v1/webhooks/" + good_id;
  EXPECT_EQ(good.header("Location"), good_url);
  const std::string closed_port = "http://127.0.0.1:" + std::to_string(sgtest::free_port());
  auto dead = rec.call(
      201, "POST", list, list,
      json{{"url", closed_port + "/"}, {"topics", json::array({"*"})}, {"enabled", true}}.dump(),
      bearer(s.user, json_type));
  const std::string dead_url =
      "/api/v1/webhooks/" + (dead.status == 201 ? dead.json().value("id", "") : "");
  rec.call(409, "POST", list, list, good_body.dump(), bearer(s.user, json_type));
  rec.call(401, "POST", list, list, good_body.dump(), json_type);
  rec.call(400, "POST", list, list, json{{"topics", json::array({"*"})}}.dump(),
           bearer(s.admin, json_type));
  rec.call(400, "POST", list, list, "{", bearer(s.admin, json_type));
  rec.call(422, "POST", list, list,
           json{{"url", "ftp://example.com/"}, {"topics", json::array({"*"})}}.dump(),
           bearer(s.admin, json_type));
  rec.call(422, "POST", list, list,
           json{{"url", s.receiver_url}, {"topics", json::array({"nope.topic"})}}.dump(),
           bearer(s.admin, json_type));
  rec.call(413, "POST", list, list, std::string(17 * 1024, ' '), bearer(s.admin, json_type));

  auto mine = rec.call(200, "GET", list, list, "", bearer(s.user));
  if (mine.status == 200) {
    EXPECT_EQ(mine.json()["items"].size(), 2u) << mine.body;
  }
  auto all = rec.call(200, "GET", list, list + "?limit=1", "", bearer(s.admin));
  std::string global_url;
  if (all.status == 200 && all.json()["global"].size() == 1) {
    global_url = "/api/v1/webhooks/" + all.json()["global"][0].value("id", "");
  } else {
    ADD_FAILURE() << "no global endpoint listed: " << all.body;
  }
  rec.call(400, "GET", list, list + "?limit=0", "", bearer(s.user));
  rec.call(400, "GET", list, list + "?cursor=bogus", "", bearer(s.user));
  rec.call(401, "GET", list, list);

  rec.call(200, "GET", one, good_url, "", bearer(s.user));
  rec.call(200, "GET", one, global_url, "", bearer(s.admin));
  rec.call(404, "GET", one, global_url, "", bearer(s.user));
  rec.call(404, "GET", one, unknown, "", bearer(s.user));
  rec.call(400, "GET", one, "/api/v1/webhooks/42", "", bearer(s.user));
  rec.call(401, "GET", one, good_url);

  rec.call(200, "PATCH", one, good_url, json{{"description", "renamed"}}.dump(),
           bearer(s.user, json_type));
  rec.call(400, "PATCH", one, good_url, json{{"colour", "red"}}.dump(), bearer(s.user, json_type));
  rec.call(422, "PATCH", one, good_url, json{{"url", "not a url"}}.dump(),
           bearer(s.user, json_type));
  rec.call(404, "PATCH", one, unknown, json{{"enabled", false}}.dump(), bearer(s.user, json_type));
  rec.call(409, "PATCH", one, global_url, json{{"enabled", false}}.dump(),
           bearer(s.admin, json_type));
  rec.call(401, "PATCH", one, good_url, json{{"enabled", false}}.dump(), json_type);
  rec.call(413, "PATCH", one, good_url, std::string(17 * 1024, ' '), bearer(s.user, json_type));

  const std::string rotate = "/api/v1/webhooks/{id}/rotate-secret";
  auto rotated = rec.call(200, "POST", rotate, good_url + "/rotate-secret", "", bearer(s.user));
  if (rotated.status == 200 && good.status == 201) {
    EXPECT_NE(rotated.json().value("secret", ""), good.json().value("secret", ""));
  }
  rec.call(409, "POST", rotate, global_url + "/rotate-secret", "", bearer(s.admin));
  rec.call(404, "POST", rotate, unknown + "/rotate-secret", "", bearer(s.user));
  rec.call(400, "POST", rotate, "/api/v1/webhooks/42/rotate-secret", "", bearer(s.user));
  rec.call(401, "POST", rotate, good_url + "/rotate-secret");
  rec.call(413, "POST", rotate, good_url + "/rotate-secret", "{}", bearer(s.user, json_type));

  // The event: the user's draft; both endpoints get a delivery, the good one succeeds.
  auto draft = s.server->request("POST", "/api/v1/content", json{{"title", "user-draft"}}.dump(),
                                 bearer(s.user, json_type));
  EXPECT_EQ(draft.status, 201) << draft.body;
  const std::string user_draft = draft.status == 201 ? draft.json().value("id", "") : "";
  json delivered = wait_for_delivery(s, s.user, good_id);
  EXPECT_EQ(delivered.value("status", ""), "delivered") << delivered.dump();
  const std::string delivery = good_url + "/deliveries/" + delivered.value("id", "");

  const std::string deliveries = "/api/v1/webhooks/{id}/deliveries";
  rec.call(200, "GET", deliveries, good_url + "/deliveries", "", bearer(s.user));
  rec.call(200, "GET", deliveries, dead_url + "/deliveries?limit=5", "", bearer(s.admin));
  rec.call(400, "GET", deliveries, good_url + "/deliveries?limit=0", "", bearer(s.user));
  rec.call(400, "GET", deliveries, "/api/v1/webhooks/42/deliveries", "", bearer(s.user));
  rec.call(404, "GET", deliveries, unknown + "/deliveries", "", bearer(s.user));
  rec.call(401, "GET", deliveries, good_url + "/deliveries");

  const std::string detail = "/api/v1/webhooks/{id}/deliveries/{delivery_id}";
  auto shown = rec.call(200, "GET", detail, delivery, "", bearer(s.user));
  if (shown.status == 200) {
    json d = shown.json();
    EXPECT_EQ(d["body"].value("id", ""), d.value("event_id", "")) << shown.body;
    EXPECT_EQ(d["body"]["data"].value("content_id", ""), user_draft) << shown.body;
    EXPECT_FALSE(d["attempt_log"].empty()) << shown.body;
    if (!d["attempt_log"].empty()) {
      EXPECT_EQ(d["attempt_log"][0].value("outcome", ""), "delivered") << shown.body;
    }
  }
  rec.call(404, "GET", detail, good_url + "/deliveries/" + kUnknownId, "", bearer(s.user));
  rec.call(400, "GET", detail, good_url + "/deliveries/42", "", bearer(s.user));
  rec.call(401, "GET", detail, delivery);

  const std::string resend = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/resend";
  auto again = rec.call(202, "POST", resend, delivery + "/resend", "", bearer(s.user));
  if (again.status == 202) {
    EXPECT_EQ(again.json().value("series", 0), 2) << again.body;
  }
  // The closed port's delivery: written by the same fan-out, failing and waiting to retry.
  std::string stuck;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       stuck.empty() && std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
    auto r = s.server->request("GET", dead_url + "/deliveries", "", bearer(s.user));
    if (r.status == 200 && !r.json()["items"].empty()) stuck = r.json()["items"][0].value("id", "");
  }
  EXPECT_FALSE(stuck.empty()) << "no delivery to the closed port";
  rec.call(409, "POST", resend, dead_url + "/deliveries/" + stuck + "/resend", "", bearer(s.user));
  rec.call(404, "POST", resend, good_url + "/deliveries/" + kUnknownId + "/resend", "",
           bearer(s.user));
  rec.call(400, "POST", resend, good_url + "/deliveries/42/resend", "", bearer(s.user));
  rec.call(401, "POST", resend, delivery + "/resend");
  rec.call(413, "POST", resend, delivery + "/resend", "{}", bearer(s.user, json_type));
  json resent = wait_for_delivery(s, s.user, good_id);
  EXPECT_EQ(resent.value("series", 0), 2) << resent.dump();

  rec.call(409, "DELETE", one, global_url, "", bearer(s.admin));
  rec.call(401, "DELETE", one, dead_url);
  rec.call(204, "DELETE", one, dead_url, "", bearer(s.user));
  rec.call(404, "DELETE", one, dead_url, "", bearer(s.user));
  rec.call(400, "DELETE", one, "/api/v1/webhooks/42", "", bearer(s.user));
  return user_draft;
}

// View analytics: the administrator owns the public clip whose segments exercise_content
// fetched (so it has a view); the plain user owns a draft of their own (zeros, one row a day).
void exercise_stats(Recorder& rec, Stack& s, const Media& m, const std::string& user_draft) {
  const std::string stats = "/api/v1/content/{id}/stats";
  const std::string clip = "/api/v1/content/" + m.content + "/stats";
  auto owner = rec.call(200, "GET", stats, clip, "", bearer(s.admin));
  if (owner.status == 200) {
    json body = owner.json();
    EXPECT_GE(body["totals"].value("views", 0), 1) << owner.body;
    EXPECT_GT(body["totals"].value("watch_seconds", 0.0), 0.0) << owner.body;
    EXPECT_EQ(body["days"].size(), 30u) << owner.body;
    ASSERT_FALSE(body["renditions"].empty()) << owner.body;
    EXPECT_EQ(body["renditions"][0].value("name", ""), "240p") << owner.body;
  }
  const std::string mine = "/api/v1/content/" + user_draft + "/stats";
  auto zeros = rec.call(200, "GET", stats, mine + "?days=1", "", bearer(s.user));
  if (zeros.status == 200) {
    EXPECT_EQ(zeros.json()["days"].size(), 1u) << zeros.body;
    EXPECT_EQ(zeros.json()["totals"].value("views", -1), 0) << zeros.body;
  }
  rec.call(401, "GET", stats, clip);
  rec.call(403, "GET", stats, clip, "", bearer(s.user));
  rec.call(404, "GET", stats, std::string("/api/v1/content/") + kUnknownId + "/stats", "",
           bearer(s.admin));
  rec.call(404, "GET", stats, "/api/v1/content/nope/stats", "", bearer(s.admin));
  rec.call(400, "GET", stats, clip + "?days=0", "", bearer(s.admin));
  rec.call(400, "GET", stats, clip + "?days=366", "", bearer(s.admin));
  rec.call(400, "GET", stats, clip + "?days=ten", "", bearer(s.admin));
  rec.call(400, "GET", stats, clip + "?colour=red", "", bearer(s.admin));
}

// The watch page: named link-preview tags only for the public ready clip; the user's draft
// (not public, not ready), an unknown id and a non-id get the same generic page. A missing
// app file is a 503 until it is back.
void exercise_watch(Recorder& rec, Stack& s, const Media& m, const std::string& user_draft) {
  const std::string watch = "/watch/{id}";
  auto named = rec.call(200, "GET", watch, "/watch/" + m.content);
  EXPECT_NE(named.body.find("<title>openapi</title>"), std::string::npos) << named.body;
  EXPECT_NE(named.body.find("video.other"), std::string::npos) << named.body;
  EXPECT_EQ(named.body.find("<title>app</title>"), std::string::npos) << named.body;
  rec.call(200, "HEAD", watch, "/watch/" + m.content);
  for (const std::string& other : {user_draft, std::string(kUnknownId), std::string("not-an-id")}) {
    auto generic = rec.call(200, "GET", watch, "/watch/" + other);
    EXPECT_EQ(generic.body.find("user-draft"), std::string::npos) << generic.body;
    EXPECT_EQ(generic.body.find("video.other"), std::string::npos) << generic.body;
    EXPECT_NE(generic.body.find("website"), std::string::npos) << generic.body;
  }
  const fs::path away = s.watch_page().string() + ".away";
  fs::rename(s.watch_page(), away);
  rec.call(503, "GET", watch, "/watch/" + m.content);
  fs::rename(away, s.watch_page());
  rec.call(200, "GET", watch, "/watch/" + m.content);
}

void exercise_static(Recorder& rec) {
  const std::string files = "/{path}";
  auto index = rec.call(200, "GET", files, "/");
  EXPECT_EQ(index.header("Cache-Control"), "no-cache");
  EXPECT_NE(index.header("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(index.header("X-Content-Type-Options"), "nosniff");
  rec.call(200, "GET", files, "/index.html");
  auto css = rec.call(200, "GET", files, "/style.css");
  EXPECT_FALSE(css.has_header("Content-Security-Policy"));  // HTML only
  EXPECT_EQ(css.header("X-Content-Type-Options"), "nosniff");
  rec.call(200, "HEAD", files, "/index.html");
  rec.call(206, "GET", files, "/index.html", "", {{"Range", "bytes=0-3"}});
  rec.call(304, "GET", files, "/index.html", "", {{"If-None-Match", index.header("ETag")}});
  rec.call(416, "GET", files, "/index.html", "", {{"Range", "bytes=100000-"}});
  rec.call(301, "GET", files, "/docs");
  auto ruled = rec.call(200, "GET", files, "/docs/");
  EXPECT_EQ(ruled.header("Cache-Control"), "public, max-age=60");  // the test's cache rule
  rec.call(404, "GET", files, "/no/such/file.txt");
  rec.call(405, "DELETE", files, "/index.html");
}

TEST(OpenApiConformance, RoutesMatchTheDocument) {
  if (auto why = skip_reason(); !why.empty()) GTEST_SKIP() << why;
  Stack* s = shared_stack();
  ASSERT_NE(s, nullptr);

  auto listed = s->server->request("GET", "/api/v1/admin/routes", "", bearer(s->admin));
  ASSERT_EQ(listed.status, 200) << listed.body;
  RouteSet registered;
  for (const auto& r : listed.json())
    for (const auto& m : r.at("methods"))
      registered[normalise_pattern(r.at("pattern").get<std::string>())].insert(
          upper(m.get<std::string>()));

  RouteSet documented;
  std::set<std::string> other_plugins;  // documented routes of plugins not loaded here
  YAML::Node spec = YAML::LoadFile(kSpec.string());
  for (const auto& path : spec["paths"]) {
    for (const char* method : {"get", "put", "post", "delete", "options", "head", "patch"}) {
      YAML::Node op = path.second[method];
      if (!op) continue;
      const std::string plugin = op["x-plugin"] ? op["x-plugin"].as<std::string>() : "";
      if (!s->plugins.contains(plugin)) {
        other_plugins.insert(plugin + ": " + upper(method) + " " + path.first.as<std::string>());
        continue;
      }
      documented[normalise_pattern(path.first.as<std::string>())].insert(upper(method));
    }
  }
  drop_implicit_head(registered);
  drop_implicit_head(documented);

  std::string undocumented, unregistered;
  for (const auto& [pattern, methods] : registered)
    for (const auto& m : methods)
      if (!documented[pattern].contains(m)) undocumented += "\n  " + m + " " + pattern;
  for (const auto& [pattern, methods] : documented)
    for (const auto& m : methods)
      if (!registered[pattern].contains(m)) unregistered += "\n  " + m + " " + pattern;
  EXPECT_TRUE(undocumented.empty())
      << "routes the server registers that docs/openapi.yaml does not describe:" << undocumented;
  EXPECT_TRUE(unregistered.empty())
      << "routes docs/openapi.yaml describes that the server does not register:" << unregistered;
  std::string skipped;
  for (const auto& o : other_plugins) skipped += "\n  " + o;
  if (!skipped.empty())
    std::cout << "documented routes of plugins not loaded here:" << skipped << "\n";
}

TEST(OpenApiConformance, ResponsesMatchTheDocument) {
  if (auto why = skip_reason(); !why.empty()) GTEST_SKIP() << why;
  Stack* s = shared_stack();
  ASSERT_NE(s, nullptr);
  Recorder rec(*s);
  exercise_monitor(rec, *s);
  exercise_auth(rec, *s);
  // The administrator follows the events of their content while it is uploaded, transcoded
  // and changed.
  EventStream events(*s, s->admin);
  Media m = exercise_uploads(rec, *s);
  ASSERT_FALSE(m.content.empty());
  exercise_content(rec, *s, m);
  json stream = events.finish();
  EXPECT_EQ(stream["status"], 200) << stream.dump();
  EXPECT_NE(stream["body"].get<std::string>().find("event: transcode.completed"), std::string::npos)
      << stream["body"];
  rec.add(stream);
  exercise_jobs(rec, *s, m);
  const std::string user_draft = exercise_webhooks(rec, *s);
  exercise_stats(rec, *s, m, user_draft);
  exercise_watch(rec, *s, m, user_draft);
  exercise_static(rec);
  // Static files are mounted at "/": every path no other route serves is theirs.
  rec.call(404, "GET", "/{path}", "/api/v1/nothing-here");

  // What the receiver got: the user's event twice (sent, resent) and the global endpoint's
  // content.deleted; validate.mjs checks each body against the Event schema.
  s->receiver.signal(SIGTERM);
  s->receiver.wait(std::chrono::seconds(5));
  json webhook_requests = json::array();
  std::istringstream received(sgtest::read_file(s->received()));
  for (std::string line; std::getline(received, line);)
    if (!line.empty()) webhook_requests.push_back(json::parse(line));
  int to_user = 0, to_global = 0;
  for (const auto& w : webhook_requests) {
    to_user += w.value("url", "") == "/user";
    to_global += w.value("url", "") == "/global";
  }
  EXPECT_EQ(to_user, 2) << webhook_requests.dump();
  EXPECT_GE(to_global, 1) << webhook_requests.dump();

  const fs::path file = s->dir.path() / "exchanges.json";
  json plugins = json::array();
  for (const auto& p : s->plugins) plugins.push_back(p);
  std::ofstream(file) << json{
      {"plugins", plugins},
      {"exchanges", rec.exchanges()},
      {"webhook_requests",
       webhook_requests}}.dump(1);
  auto r = sgtest::run_command(
      {"node", (kNodeDir / "openapi" / "validate.mjs").string(), kSpec.string(), file.string()}, {},
      std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::cout << r.output.substr(0, r.output.find('\n')) << "\n";
}

}  // namespace
