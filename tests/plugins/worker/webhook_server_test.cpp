// Webhooks through the real binary (gateway + worker + metadata + test identity): content
// events reach real HTTP receivers on 127.0.0.1, signed, retried, resent, filtered by topic
// and owner; the address policy, timeouts, REST authorisation and validation.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>

#include "server_fixture.hpp"
#include "webhook_receiver.hpp"

namespace {

using namespace wtest;
using nlohmann::json;

const std::string kGlobalSecret = "global-secret-0123456789abcdef0123456789";

// The receiver's side of the signature, written against OpenSSL directly (not the
// plugin's code): HMAC-SHA256(secret, "<t>.<body>") in hex, compared with v1.
bool signature_valid(const std::string& header, const std::string& secret, const std::string& body,
                     int64_t* t_out = nullptr) {
  auto comma = header.find(",v1=");
  if (header.rfind("t=", 0) != 0 || comma == std::string::npos) return false;
  std::string t = header.substr(2, comma - 2), v1 = header.substr(comma + 4);
  std::string text = t + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &len);
  char hex[2 * EVP_MAX_MD_SIZE + 1] = {};
  for (unsigned i = 0; i < len; ++i) std::snprintf(hex + 2 * i, 3, "%02x", mac[i]);
  if (t_out != nullptr) *t_out = std::stoll(t);
  return v1 == hex;
}

class Webhooks : public ::testing::Test {
 protected:
  // A server whose webhooks use `webhooks` (merged over fast test defaults).
  void start(json webhooks = json::object(), std::map<std::string, std::string> env = {}) {
    json w = {{"allow_private_targets", true},
              {"backoff_ms", {150}},
              {"max_attempts", 5},
              {"timeout_ms", 3000}};
    w.merge_patch(webhooks);
    server_ = std::make_unique<sgtest::StreamGateServer>(
        json{{"plugins", {{"worker", {{"poll_ms", 50}, {"webhooks", w}}}}}}, std::move(env));
    server_->use_plugins({"gateway", "worker", "metadata", "test_identity"});
    ASSERT_TRUE(server_->start());
    ASSERT_TRUE(eventually([&] {
      return server_->request("GET", "/api/v1/webhooks").status == 401 &&
             server_->request("GET", "/api/v1/content").status == 200;
    })) << server_->log();
  }
  sgtest::HttpResponse call(const std::string& method, const std::string& target,
                            const json& body = nullptr, const std::string& who = kAlice,
                            bool admin = false) {
    return server_->request(method, target, body.is_null() ? "" : body.dump(), as(who, admin));
  }
  json create_endpoint(const std::string& who, const std::string& url, const json& topics) {
    auto r = call("POST", "/api/v1/webhooks", {{"url", url}, {"topics", topics}}, who);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  std::string create_content(const std::string& who, const std::string& title = "clip") {
    auto r = call("POST", "/api/v1/content", {{"title", title}}, who);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["id"];
  }
  json deliveries(const std::string& endpoint_id, const std::string& who = kAlice,
                  bool admin = false) {
    auto r = call("GET", "/api/v1/webhooks/" + endpoint_id + "/deliveries", nullptr, who, admin);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["items"];
  }
  json delivery(const std::string& endpoint_id, const std::string& id,
                const std::string& who = kAlice, bool admin = false) {
    auto r =
        call("GET", "/api/v1/webhooks/" + endpoint_id + "/deliveries/" + id, nullptr, who, admin);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  // The first delivery of the endpoint once it reached `status`.
  json settled(const std::string& endpoint_id, const std::string& status,
               const std::string& who = kAlice, bool admin = false) {
    json found;
    bool ok = eventually([&] {
      auto items = deliveries(endpoint_id, who, admin);
      if (items.empty() || items[0]["status"] != status) return false;
      found = items[0];
      return true;
    });
    EXPECT_TRUE(ok) << "no " << status
                    << " delivery; log: " << deliveries(endpoint_id, who, admin).dump() << "\n"
                    << server_->log();
    return found;
  }

  std::unique_ptr<sgtest::StreamGateServer> server_;
};

void expect_error(const sgtest::HttpResponse& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  if (r.status == 204) return;
  auto j = r.json();
  EXPECT_EQ(j["error"]["code"], code) << r.body;
  EXPECT_TRUE(j["error"]["message"].is_string()) << r.body;
}

TEST_F(Webhooks, ContentEventArrivesSignedAndIsLogged) {
  WebhookReceiver rx;
  start();
  auto endpoint = create_endpoint(kAlice, rx.url(), {"content.*"});
  std::string secret = endpoint["secret"];
  EXPECT_EQ(secret.size(), 70u);
  EXPECT_EQ(endpoint["owner"], kAlice);
  EXPECT_EQ(endpoint["topics"], json({"content.*"}));

  std::string content_id = create_content(kAlice);
  ASSERT_TRUE(rx.wait_for(1)) << server_->log();
  auto req = rx.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/hook");
  EXPECT_EQ(req.headers["content-type"], "application/json");
  EXPECT_EQ(req.headers["user-agent"], "StreamGate-Webhooks/1");
  int64_t t = 0;
  EXPECT_TRUE(signature_valid(req.headers["streamgate-signature"], secret, req.body, &t))
      << req.headers["streamgate-signature"];
  EXPECT_LE(std::abs(t - static_cast<int64_t>(std::time(nullptr))), 300);  // replay window
  EXPECT_FALSE(signature_valid(req.headers["streamgate-signature"], secret, req.body + " ", &t));
  EXPECT_FALSE(signature_valid(req.headers["streamgate-signature"], "whsec_other", req.body));

  auto event = json::parse(req.body);
  EXPECT_EQ(event["topic"], "content.created");
  EXPECT_EQ(req.headers["streamgate-event-id"], event["id"]);
  EXPECT_TRUE(event["created_at"].is_string());
  EXPECT_EQ(event["data"]["content_id"], content_id);
  EXPECT_EQ(sg::sql::lower(event["data"]["owner"].get<std::string>()), kAlice);

  auto d = settled(endpoint["id"], "delivered");
  EXPECT_EQ(d["attempts"], 1);
  EXPECT_EQ(d["last_status"], 200);
  EXPECT_EQ(d["event_id"], event["id"]);
  EXPECT_EQ(d["topic"], "content.created");
  EXPECT_TRUE(d["last_latency_ms"].is_number_integer());
  EXPECT_TRUE(d["delivered_at"].is_string());
  EXPECT_EQ(d["last_response"], "ok");
  // The secret is answered on create and rotation only.
  auto got = call("GET", "/api/v1/webhooks/" + endpoint["id"].get<std::string>());
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_FALSE(got.json().contains("secret"));
}

TEST_F(Webhooks, RetriesUntilTheReceiverAcceptsThenResend) {
  WebhookReceiver rx;
  rx.script({500, 500});  // then 200
  start();
  auto endpoint = create_endpoint(kAlice, rx.url(), {"content.created"});
  std::string id = endpoint["id"];
  create_content(kAlice);
  auto d = settled(id, "delivered");
  EXPECT_EQ(d["attempts"], 3);
  EXPECT_EQ(d["last_status"], 200);
  EXPECT_EQ(deliveries(id).size(), 1u);  // one delivery, three attempts
  auto detail = delivery(id, d["id"]);
  ASSERT_EQ(detail["attempt_log"].size(), 3u) << detail.dump();
  EXPECT_EQ(detail["attempt_log"][0]["status"], 500);
  EXPECT_EQ(detail["attempt_log"][0]["outcome"], "http_error");
  EXPECT_EQ(detail["attempt_log"][0]["error"], "HTTP 500");
  EXPECT_EQ(detail["attempt_log"][1]["status"], 500);
  EXPECT_EQ(detail["attempt_log"][2]["status"], 200);
  EXPECT_EQ(detail["attempt_log"][2]["outcome"], "delivered");
  EXPECT_EQ(detail["body"]["topic"], "content.created");
  ASSERT_EQ(rx.count(), 3u);
  auto reqs = rx.requests();
  EXPECT_EQ(reqs[0].headers["streamgate-event-id"], reqs[2].headers["streamgate-event-id"]);
  EXPECT_EQ(reqs[0].body, reqs[2].body);

  // Resend: a new attempt series of the same delivery.
  auto r = call("POST",
                "/api/v1/webhooks/" + id + "/deliveries/" + d["id"].get<std::string>() + "/resend");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json()["status"], "pending");
  EXPECT_EQ(r.json()["series"], 2);
  ASSERT_TRUE(rx.wait_for(4)) << server_->log();
  EXPECT_EQ(rx.requests()[3].body, reqs[0].body);
  ASSERT_TRUE(eventually([&] { return delivery(id, d["id"])["attempts"] == 4; }));
  auto again = settled(id, "delivered");
  EXPECT_EQ(again["series"], 2);
  EXPECT_EQ(delivery(id, d["id"])["attempt_log"][3]["series"], 2);
  // Bob may not resend Alice's delivery.
  expect_error(
      call("POST",
           "/api/v1/webhooks/" + id + "/deliveries/" + d["id"].get<std::string>() + "/resend",
           nullptr, kBob),
      404, "not_found");
}

TEST_F(Webhooks, GivesUpAfterMaxAttempts) {
  WebhookReceiver rx;
  rx.script({}, 503);
  start({{"max_attempts", 2}});
  auto endpoint = create_endpoint(kAlice, rx.url(), {"*"});
  create_content(kAlice);
  auto d = settled(endpoint["id"], "failed");
  EXPECT_EQ(d["attempts"], 2);
  EXPECT_EQ(d["last_status"], 503);
  EXPECT_EQ(d["last_error"], "HTTP 503");
  EXPECT_EQ(rx.count(), 2u);
}

TEST_F(Webhooks, TopicFilterOwnerIsolationAndGlobalEndpoints) {
  WebhookReceiver alice_rx, bob_rx, global_rx;
  start({{"endpoints",
          {{{"url", global_rx.url("/ops")},
            {"topics", {"content.*"}},
            {"secret", "${SG_TEST_WEBHOOK_SECRET}"}}}}},
        {{"SG_TEST_WEBHOOK_SECRET", kGlobalSecret}});
  create_endpoint(kAlice, alice_rx.url(), {"content.updated"});
  create_endpoint(kBob, bob_rx.url(), {"*"});

  std::string alice_content = create_content(kAlice);  // content.created: global only
  auto r = call("PATCH", "/api/v1/content/" + alice_content, {{"title", "renamed"}});
  ASSERT_EQ(r.status, 200) << r.body;              // content.updated: Alice + global
  std::string bob_content = create_content(kBob);  // content.created: Bob + global

  ASSERT_TRUE(global_rx.wait_for(3)) << server_->log();
  ASSERT_TRUE(alice_rx.wait_for(1)) << server_->log();
  ASSERT_TRUE(bob_rx.wait_for(1)) << server_->log();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // nothing else may arrive

  ASSERT_EQ(alice_rx.count(), 1u);
  auto a = json::parse(alice_rx.requests()[0].body);
  EXPECT_EQ(a["topic"], "content.updated");
  EXPECT_EQ(a["data"]["content_id"], alice_content);

  ASSERT_EQ(bob_rx.count(), 1u);
  auto b = json::parse(bob_rx.requests()[0].body);
  EXPECT_EQ(b["topic"], "content.created");
  EXPECT_EQ(b["data"]["content_id"], bob_content);
  for (const auto& req : bob_rx.requests())
    EXPECT_EQ(req.body.find(alice_content), std::string::npos) << req.body;

  ASSERT_EQ(global_rx.count(), 3u);
  std::set<std::string> seen;
  for (const auto& req : global_rx.requests()) {
    EXPECT_TRUE(signature_valid(req.headers.at("streamgate-signature"), kGlobalSecret, req.body));
    auto e = json::parse(req.body);
    seen.insert(e["topic"].get<std::string>() + ":" + e["data"]["content_id"].get<std::string>());
  }
  EXPECT_EQ(seen, (std::set<std::string>{"content.created:" + alice_content,
                                         "content.updated:" + alice_content,
                                         "content.created:" + bob_content}));

  // Admins see global endpoints (without secrets) and their delivery log; users do not.
  auto list = call("GET", "/api/v1/webhooks", nullptr, kBob, true);
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json()["global"].size(), 1u);
  auto global = list.json()["global"][0];
  EXPECT_FALSE(global.contains("secret"));
  EXPECT_EQ(global["global"], true);
  std::string gid = global["id"];
  EXPECT_EQ(list.json()["items"].size(), 2u);  // Alice's and Bob's
  ASSERT_TRUE(eventually([&] { return deliveries(gid, kBob, true).size() == 3; }));
  expect_error(call("GET", "/api/v1/webhooks/" + gid, nullptr, kAlice), 404, "not_found");
  expect_error(call("GET", "/api/v1/webhooks/" + gid + "/deliveries", nullptr, kAlice), 404,
               "not_found");
  expect_error(call("PATCH", "/api/v1/webhooks/" + gid, {{"topics", {"*"}}}, kBob, true), 409,
               "read_only");
  auto mine = call("GET", "/api/v1/webhooks", nullptr, kAlice);
  EXPECT_EQ(mine.json()["items"].size(), 1u);
  EXPECT_FALSE(mine.json().contains("global"));
}

TEST_F(Webhooks, UnansweredReceiverFailsWithinTheTimeout) {
  WebhookReceiver rx;
  rx.hang();
  start({{"timeout_ms", 800}, {"max_attempts", 1}});
  auto endpoint = create_endpoint(kAlice, rx.url(), {"content.created"});
  auto start_time = std::chrono::steady_clock::now();
  create_content(kAlice);
  auto d = settled(endpoint["id"], "failed");
  auto took = std::chrono::steady_clock::now() - start_time;
  EXPECT_LT(took, std::chrono::seconds(8));
  EXPECT_EQ(d["attempts"], 1);
  EXPECT_TRUE(d["last_status"].is_null());
  EXPECT_NE(d["last_error"].get<std::string>().find("timed out after 800 ms"), std::string::npos)
      << d.dump();
  EXPECT_GE(d["last_latency_ms"].get<int64_t>(), 750);
  EXPECT_LT(d["last_latency_ms"].get<int64_t>(), 3000);
  EXPECT_EQ(delivery(endpoint["id"], d["id"])["attempt_log"][0]["outcome"], "timeout");
}

TEST_F(Webhooks, PrivateTargetsAreRefusedByDefault) {
  WebhookReceiver rx;
  start({{"allow_private_targets", false},
         {"endpoints",
          {{{"url", rx.url("/global")}, {"topics", {"*"}}, {"secret", kGlobalSecret}}}}});
  // A literal private address is refused at once; a name is checked when delivering.
  expect_error(call("POST", "/api/v1/webhooks", {{"url", rx.url()}, {"topics", {"*"}}}), 422,
               "target_not_allowed");
  expect_error(call("POST", "/api/v1/webhooks", {{"url", "http://[::1]/x"}, {"topics", {"*"}}}),
               422, "target_not_allowed");
  auto by_name = create_endpoint(kAlice, "http://localhost:" + std::to_string(rx.port()) + "/named",
                                 {"content.*"});

  create_content(kAlice);
  auto d = settled(by_name["id"], "failed");
  EXPECT_EQ(d["attempts"], 1);  // a refusal is not retried
  EXPECT_NE(d["last_error"].get<std::string>().find("refused: localhost resolves to"),
            std::string::npos)
      << d.dump();
  EXPECT_NE(d["last_error"].get<std::string>().find("loopback"), std::string::npos);

  auto list = call("GET", "/api/v1/webhooks", nullptr, kBob, true);
  std::string gid = list.json()["global"][0]["id"];
  auto g = settled(gid, "failed", kBob, true);
  EXPECT_NE(g["last_error"].get<std::string>().find("127.0.0.1, a loopback address"),
            std::string::npos)
      << g.dump();
  EXPECT_EQ(rx.count(), 0u);  // nothing was sent
}

TEST_F(Webhooks, RestAuthorisationAndValidation) {
  start({{"max_endpoints_per_owner", 3}});
  std::string url = "https://hooks.example.com/in";
  expect_error(server_->request("GET", "/api/v1/webhooks"), 401, "unauthorized");
  expect_error(
      server_->request("POST", "/api/v1/webhooks", json{{"url", url}, {"topics", {"*"}}}.dump(),
                       {{"Content-Type", "application/json"}}),
      401, "unauthorized");
  auto e = create_endpoint(kAlice, url, {"content.*", "upload.failed"});
  std::string id = e["id"];
  expect_error(server_->request("GET", "/api/v1/webhooks/" + id), 401, "unauthorized");

  // Someone else's endpoint does not exist for Bob.
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", ""},
                                                        {"PATCH", ""},
                                                        {"DELETE", ""},
                                                        {"POST", "/rotate-secret"},
                                                        {"GET", "/deliveries"}})
    expect_error(call(method, "/api/v1/webhooks/" + id + path,
                      method == "PATCH" ? json{{"description", "x"}} : json(nullptr), kBob),
                 404, "not_found");
  EXPECT_EQ(call("GET", "/api/v1/webhooks", nullptr, kBob).json()["items"].size(), 0u);
  EXPECT_EQ(call("GET", "/api/v1/webhooks/" + id, nullptr, kBob, true).status, 200);  // admin
  expect_error(call("GET", "/api/v1/webhooks/not-a-uuid"), 400, "invalid_request");
  expect_error(call("GET", "/api/v1/webhooks/" + sg::sql::uuid_v4()), 404, "not_found");

  // Validation.
  auto post = [&](const std::string& body) {
    return server_->request("POST", "/api/v1/webhooks", body, as(kAlice));
  };
  expect_error(post("{not json"), 400, "invalid_json");
  expect_error(post("[]"), 400, "invalid_request");
  expect_error(post(json{{"topics", {"*"}}}.dump()), 400, "invalid_request");
  expect_error(post(json{{"url", url}}.dump()), 400, "invalid_request");
  expect_error(post(json{{"url", 5}, {"topics", {"*"}}}.dump()), 400, "invalid_request");
  expect_error(post(json{{"url", url}, {"topics", {"*"}}, {"secret", "mine"}}.dump()), 400,
               "invalid_request");
  for (const std::string& bad :
       std::vector<std::string>{"ftp://hooks.example.com/", "https://user:pw@hooks.example.com/",
                                "https://hooks.example.com/#x", "hooks.example.com/in",
                                "https://hooks.example.com:99999/",
                                "https://hooks.example.com/" + std::string(2100, 'a')}) {
    auto r = post(json{{"url", bad}, {"topics", {"*"}}}.dump());
    expect_error(r, 422, "invalid_url");
  }
  expect_error(post(json{{"url", url}, {"topics", json::array()}}.dump()), 422, "invalid_topics");
  expect_error(post(json{{"url", url}, {"topics", {"content.nope"}}}.dump()), 422,
               "invalid_topics");
  expect_error(
      post(json{{"url", url}, {"topics", {"*"}}, {"description", std::string(501, 'd')}}.dump()),
      422, "invalid_description");

  // PATCH, rotate-secret, pagination, limits, DELETE.
  auto p = call("PATCH", "/api/v1/webhooks/" + id,
                {{"topics", {"transcode.*"}}, {"description", "ci"}, {"enabled", false}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json()["topics"], json({"transcode.*"}));
  EXPECT_EQ(p.json()["enabled"], false);
  EXPECT_FALSE(p.json().contains("secret"));
  expect_error(call("PATCH", "/api/v1/webhooks/" + id, {{"url", "gopher://x/"}}), 422,
               "invalid_url");
  auto rot = call("POST", "/api/v1/webhooks/" + id + "/rotate-secret");
  ASSERT_EQ(rot.status, 200) << rot.body;
  EXPECT_NE(rot.json()["secret"], e["secret"]);
  EXPECT_EQ(rot.json()["secret"].get<std::string>().size(), 70u);

  create_endpoint(kAlice, url + "2", {"*"});
  create_endpoint(kAlice, url + "3", {"*"});
  expect_error(call("POST", "/api/v1/webhooks", {{"url", url}, {"topics", {"*"}}}), 409,
               "too_many_endpoints");
  auto page1 = call("GET", "/api/v1/webhooks?limit=2").json();
  ASSERT_EQ(page1["items"].size(), 2u);
  ASSERT_TRUE(page1["next_cursor"].is_string());
  auto page2 =
      call("GET", "/api/v1/webhooks?limit=2&cursor=" + page1["next_cursor"].get<std::string>())
          .json();
  ASSERT_EQ(page2["items"].size(), 1u);
  EXPECT_TRUE(page2["next_cursor"].is_null());
  expect_error(call("GET", "/api/v1/webhooks?limit=0"), 400, "invalid_request");
  expect_error(call("GET", "/api/v1/webhooks?cursor=garbage"), 400, "invalid_request");
  expect_error(call("GET", "/api/v1/webhooks?owner=x"), 400, "invalid_request");

  EXPECT_EQ(call("DELETE", "/api/v1/webhooks/" + id).status, 204);
  expect_error(call("GET", "/api/v1/webhooks/" + id), 404, "not_found");
}

TEST(WebhookStartup, ShortGlobalSecretStopsStartup) {
  WebhookReceiver rx;
  sgtest::StreamGateServer s(json{
      {"plugins",
       {{"worker",
         {{"webhooks",
           {{"endpoints", {{{"url", rx.url()}, {"topics", {"*"}}, {"secret", "short"}}}}}}}}}}});
  s.use_plugins({"gateway", "worker"});
  auto code = s.run_until_exit(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(s.log().find("plugins.worker.webhooks.endpoints[0].secret: missing or shorter than 32"),
            std::string::npos)
      << s.log();
}

}  // namespace
