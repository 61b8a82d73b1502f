// GET /api/v1/events through the real binary (gateway + monitor + metadata + test identity):
// content events reach their owner's stream live, other owners see nothing, administrators
// can watch all, a reconnect with Last-Event-ID resumes, shutdown ends streams cleanly.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <support.hpp>
#include <thread>

#include "raw_client.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kAlice = "0x1111111111111111111111111111111111111111";
const std::string kBob = "0x2222222222222222222222222222222222222222";

std::unique_ptr<sgtest::StreamGateServer> start_server(const json& monitor = json::object()) {
  auto s = std::make_unique<sgtest::StreamGateServer>(
      json{{"database", {{"driver", "sqlite"}}}, {"plugins", {{"monitor", monitor}}}});
  s->use_plugins({"gateway", "monitor", "metadata", "test_identity"});
  EXPECT_TRUE(s->start());
  // The gateway listens before later plugins register routes; wait for both of ours.
  auto until = std::chrono::steady_clock::now() + 15s;
  auto routed = [&](const std::string& method, const std::string& target) {
    return s->request(method, target).status == 401;  // 404 while the route is missing
  };
  while (std::chrono::steady_clock::now() < until &&
         !(routed("GET", "/api/v1/events") && routed("POST", "/api/v1/content")))
    std::this_thread::sleep_for(30ms);
  return s;
}

// An open SSE connection read incrementally.
struct EventStream {
  EventStream(uint16_t port, const std::string& bearer, const std::string& query = "",
              const std::string& last_event_id = "")
      : client(port) {
    std::string req = "GET /api/v1/events" + query + " HTTP/1.1\r\nHost: x\r\n";
    if (!bearer.empty()) req += "Authorization: Bearer " + bearer + "\r\n";
    if (!last_event_id.empty()) req += "Last-Event-ID: " + last_event_id + "\r\n";
    req += "Accept: text/event-stream\r\n\r\n";
    EXPECT_TRUE(client.send(req));
    head = read_until("\r\n\r\n", 5s);
  }
  std::string read_until(std::string_view needle, std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (text.find(needle) == std::string::npos && std::chrono::steady_clock::now() < until)
      text += client.read_some(64 * 1024, 100ms);
    return text;
  }
  // The JSON of every `data:` line so far (chunk framing lines are skipped).
  std::vector<json> events() const {
    std::vector<json> out;
    std::size_t pos = 0;
    while ((pos = text.find("data: {", pos)) != std::string::npos) {
      auto end = text.find('\n', pos);
      auto doc = json::parse(text.substr(pos + 6, end - pos - 6), nullptr, false);
      if (!doc.is_discarded() && doc.contains("topic")) out.push_back(doc);
      pos = end;
    }
    return out;
  }
  sgtest::RawClient client;
  std::string head;
  std::string text;
};

json create(sgtest::StreamGateServer& s, const std::string& owner, const std::string& title) {
  auto r =
      s.request("POST", "/api/v1/content", json{{"title", title}}.dump(),
                {{"Authorization", "Bearer test." + owner}, {"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json();
}

}  // namespace

TEST(EventsServer, OwnersGetTheirEventsLiveAndOnlyTheirs) {
  auto s = start_server();
  EventStream alice(s->port(), "test." + kAlice);
  EventStream bob(s->port(), "test." + kBob);
  EventStream admin(s->port(), "test-admin." + kBob, "?scope=all");
  ASSERT_NE(alice.head.find("200 OK"), std::string::npos) << alice.head;
  EXPECT_NE(alice.head.find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(alice.head.find("Cache-Control: no-store"), std::string::npos);
  EXPECT_NE(alice.head.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_NE(alice.read_until("retry: 3000", 3s).find("retry: 3000"), std::string::npos);

  json c = create(*s, kAlice, "Alice's film");
  const std::string id = c["id"];
  alice.read_until("content.created", 5s);
  admin.read_until("content.created", 5s);
  auto a = alice.events();
  ASSERT_EQ(a.size(), 1u) << alice.text;
  EXPECT_EQ(a[0]["topic"], "content.created");
  EXPECT_EQ(a[0]["data"]["content_id"], id);
  EXPECT_EQ(a[0]["data"]["owner"], kAlice);
  EXPECT_EQ(admin.events().size(), 1u);

  auto patch = s->request(
      "PATCH", "/api/v1/content/" + id, R"({"title":"Renamed"})",
      {{"Authorization", "Bearer test." + kAlice}, {"Content-Type", "application/json"}});
  ASSERT_EQ(patch.status, 200) << patch.body;
  alice.read_until("content.updated", 5s);
  EXPECT_EQ(alice.events().size(), 2u);
  // Bob's stream carried nothing of Alice's (wait a moment for anything misrouted).
  bob.read_until("content.", 300ms);
  EXPECT_TRUE(bob.events().empty()) << bob.text;
}

TEST(EventsServer, CredentialsAndScopeAreChecked) {
  auto s = start_server();
  auto anon = s->request("GET", "/api/v1/events");
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(anon.json()["error"]["code"], "unauthorized");
  auto all = s->request("GET", "/api/v1/events?scope=all", "",
                        {{"Authorization", "Bearer test." + kAlice}});
  EXPECT_EQ(all.status, 403);
  auto bad = s->request("GET", "/api/v1/events?scope=everything", "",
                        {{"Authorization", "Bearer test." + kAlice}});
  EXPECT_EQ(bad.status, 400);
}

TEST(EventsServer, AReconnectWithLastEventIdGetsWhatItMissed) {
  auto s = start_server();
  std::string last_id;
  {
    EventStream alice(s->port(), "test." + kAlice);
    create(*s, kAlice, "one");
    alice.read_until("content.created", 5s);
    ASSERT_EQ(alice.events().size(), 1u);
    last_id = alice.events()[0]["id"];
  }  // disconnected
  create(*s, kAlice, "two");
  create(*s, kBob, "not hers");
  create(*s, kAlice, "three");
  EventStream again(s->port(), "test." + kAlice, "", last_id);
  auto wait = std::chrono::steady_clock::now() + 5s;
  while (again.events().size() < 2 && std::chrono::steady_clock::now() < wait)
    again.read_until("never", 100ms);
  // The replay: Alice's two events after last_id, in order; then it goes on live.
  auto missed = again.events();
  ASSERT_EQ(missed.size(), 2u) << again.text;
  EXPECT_NE(missed[0]["id"], last_id);
  create(*s, kAlice, "four");
  auto until = std::chrono::steady_clock::now() + 5s;
  while (again.events().size() < 3 && std::chrono::steady_clock::now() < until)
    again.read_until("never", 100ms);
  EXPECT_EQ(again.events().size(), 3u);
  // A page reload passes the id in the query (EventSource cannot set headers there).
  EventStream reload(s->port(), "test." + kAlice, "?last_event_id=" + last_id);
  until = std::chrono::steady_clock::now() + 5s;
  while (reload.events().size() < 3 && std::chrono::steady_clock::now() < until)
    reload.read_until("never", 100ms);
  EXPECT_EQ(reload.events().size(), 3u);
  // An id from another process cannot be resumed: the client is told to refetch.
  EventStream stale(s->port(), "test." + kAlice, "", "1-5");
  EXPECT_NE(stale.read_until("event: reset", 3s).find("event: reset"), std::string::npos);
}

TEST(EventsServer, HeartbeatsKeepIdleStreamsAliveAndShutdownEndsThemCleanly) {
  auto s = start_server({{"events", {{"heartbeat_seconds", 1}}}});
  std::vector<std::unique_ptr<EventStream>> streams;
  for (int i = 0; i < 50; ++i)
    streams.push_back(std::make_unique<EventStream>(s->port(), "test." + kAlice));
  EXPECT_NE(streams[0]->read_until(": keep-alive", 4s).find(": keep-alive"), std::string::npos);
  std::thread stopper([&] { EXPECT_EQ(s->stop(15s), 0); });
  for (auto& st : streams) {
    // The last chunk arrives before the close: EventSource sees an orderly end.
    EXPECT_NE(st->read_until("0\r\n\r\n", 10s).find("0\r\n\r\n"), std::string::npos);
    EXPECT_TRUE(st->client.wait_closed(5s));
  }
  stopper.join();
}
