// Routing, keep-alive, errors, request ids and the answer-later contract, against one
// shared streamgate (gateway + test_routes) over loopback.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include <streamgate/plugin.h>

#include "gateway_fixture.hpp"
#include "raw_client.hpp"

using namespace std::chrono_literals;

namespace {

class GatewayBasic : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gw_ = new gwtest::Gateway();
    ASSERT_TRUE(gw_->start());
  }
  static void TearDownTestSuite() {
    delete gw_;
    gw_ = nullptr;
  }
  void SetUp() override {
    if (gw_ == nullptr || !gw_->server->running()) GTEST_SKIP() << "server did not start";
  }
  static uint16_t port() { return gw_->port(); }
  static gwtest::Gateway* gw_;
};
gwtest::Gateway* GatewayBasic::gw_ = nullptr;

void expect_error(const sgtest::HttpResponse& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  auto doc = r.json();
  EXPECT_EQ(doc["error"]["code"], code) << r.body;
  EXPECT_TRUE(doc["error"]["message"].is_string());
}

}  // namespace

TEST_F(GatewayBasic, KeepAliveServesManyRequestsOnOneConnection) {
  sgtest::HttpConnection conn(port());
  for (int i = 0; i < 300; ++i) {
    auto r = conn.request("GET", "/t/hello");
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.body, "hello");
    ASSERT_TRUE(conn.open()) << "server closed a keep-alive connection at request " << i;
  }
}

TEST_F(GatewayBasic, UnknownPathIs404Json) {
  auto r = sgtest::http(port(), "GET", "/definitely/not/here");
  expect_error(r, 404, "not_found");
  EXPECT_FALSE(r.header("x-request-id").empty());
  EXPECT_EQ(r.header("server"), "StreamGate");
  EXPECT_FALSE(r.header("date").empty());
}

TEST_F(GatewayBasic, WrongMethodIs405WithAllow) {
  auto r = sgtest::http(port(), "POST", "/t/methods");
  expect_error(r, 405, "method_not_allowed");
  EXPECT_EQ(r.header("allow"), "GET, HEAD, DELETE");
  EXPECT_EQ(sgtest::http(port(), "DELETE", "/t/methods").body, "deleted");
}

TEST_F(GatewayBasic, HeadIsServedByGetRoutesWithoutBody) {
  sgtest::HttpConnection conn(port());
  auto r = conn.request("HEAD", "/t/hello");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-length"), "5");
  EXPECT_TRUE(r.body.empty());
  auto again = conn.request("GET", "/t/hello");  // the connection is still in sync
  EXPECT_EQ(again.body, "hello");
}

TEST_F(GatewayBasic, PathParamsCatchAllAndQueryAreDecoded) {
  auto r =
      sgtest::http(port(), "GET", "/t/params/ab%20c/x/y%2Fz.m4s?x=1%202&y", "", {{"X-Echo", "hi"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = r.json();
  EXPECT_EQ(doc["id"], "ab c");
  EXPECT_EQ(doc["rest"], "x/y/z.m4s");
  EXPECT_EQ(doc["x"], "1 2");
  EXPECT_EQ(doc["query"], "x=1%202&y");
  EXPECT_EQ(doc["path"], "/t/params/ab c/x/y/z.m4s");
  EXPECT_EQ(doc["echo"], "hi");
  EXPECT_EQ(doc["remote"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
  expect_error(sgtest::http(port(), "GET", "/t/params/%zz/x"), 400, "bad_request");
}

TEST_F(GatewayBasic, RequestIdIsEchoedOrGenerated) {
  auto r = sgtest::http(port(), "GET", "/t/params/a/b", "", {{"X-Request-Id", "client-id_1.2"}});
  EXPECT_EQ(r.header("x-request-id"), "client-id_1.2");
  EXPECT_EQ(r.json()["request_id"], "client-id_1.2");
  auto bad = sgtest::http(port(), "GET", "/t/hello", "", {{"X-Request-Id", "evil\"id<script>"}});
  std::string id = bad.header("x-request-id");
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(id.find('<'), std::string::npos);
  auto other = sgtest::http(port(), "GET", "/t/hello");
  EXPECT_NE(other.header("x-request-id"), id);
}

TEST_F(GatewayBasic, AnswerLaterFromAnotherThread) {
  auto r = sgtest::http(port(), "GET", "/t/later");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "later");
  // The second respond() on the same exchange was refused with SG_ERR_INVALID.
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(sgtest::http(port(), "GET", "/t/hold-result").json()["second"],
            static_cast<int>(SG_ERR_INVALID));
}

TEST_F(GatewayBasic, ContractViolationsBecome500) {
  expect_error(sgtest::http(port(), "GET", "/t/noanswer"), 500, "internal_error");
  expect_error(sgtest::http(port(), "GET", "/t/drop"), 500, "internal_error");
}

TEST_F(GatewayBasic, LateAnswerAfterDisconnectSeesCancelled) {
  {
    sgtest::RawClient c(port());
    ASSERT_TRUE(c.send("GET /t/hold HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::this_thread::sleep_for(200ms);
  }  // hang up while the handler still holds the exchange
  int result = -1;
  for (int i = 0; i < 300 && result == -1; ++i) {
    std::this_thread::sleep_for(10ms);
    result = sgtest::http(port(), "GET", "/t/hold-result").json()["result"].get<int>();
  }
  EXPECT_EQ(result, static_cast<int>(SG_ERR_CANCELLED))
      << "handler saw cancelled and its late respond got it";
}

TEST_F(GatewayBasic, BufferedBodyEchoAndLimits) {
  auto r = sgtest::http(port(), "POST", "/t/echo", "some body");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "some body");
  auto big = sgtest::http(port(), "POST", "/t/echo", std::string(2000, 'a'));
  expect_error(big, 413, "body_too_large");
  EXPECT_EQ(big.json()["error"]["message"], "request body exceeds the limit of 1024 bytes");
  // Chunked past the limit: refused while reading.
  sgtest::RawClient c(port());
  std::string chunk(800, 'b');
  ASSERT_TRUE(
      c.send("POST /t/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "320\r\n" +
             chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(res->json()["error"]["message"], "request body exceeds the limit of 1024 bytes");
  // Chunked within the limit.
  sgtest::RawClient ok(port());
  ASSERT_TRUE(
      ok.send("POST /t/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
              "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  auto good = ok.read_response();
  ASSERT_TRUE(good);
  EXPECT_EQ(good->body, "abcde");
}

TEST_F(GatewayBasic, BodyOnBodylessRouteIs413) {
  expect_error(sgtest::http(port(), "DELETE", "/t/methods", "unexpected"), 413, "body_not_allowed");
}

TEST_F(GatewayBasic, OversizedHeaderIs431) {
  sgtest::RawClient c(port());
  ASSERT_TRUE(c.send("GET /t/hello HTTP/1.1\r\nHost: x\r\nCookie: " + std::string(20000, 'c') +
                     "\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->json()["error"]["code"], "header_too_large");
}

TEST_F(GatewayBasic, GarbageGets400AndServerKeepsServing) {
  for (const char* junk : {"GARBAGE\r\n\r\n", "GET /x HTTP/9.9\r\n\r\n", "\x01\x02\x03\r\n\r\n",
                           "GET /t/hello HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                           "GET /t/hello HTTP/1.1\r\nHost: x\r\nbad header\r\n\r\n"}) {
    sgtest::RawClient c(port());
    ASSERT_TRUE(c.send(junk));
    auto r = c.read_response(2s);
    if (r) {
      EXPECT_EQ(r->status, 400) << junk;
    }
    EXPECT_TRUE(c.wait_closed(2s)) << junk;
  }
  EXPECT_EQ(sgtest::http(port(), "GET", "/t/hello").status, 200);
}

TEST_F(GatewayBasic, IdentityIsAnonymousWithoutAuthService) {
  auto r =
      sgtest::http(port(), "GET", "/t/identity", "",
                   {{"Authorization", "Bearer test.0x52908400098527886E0F7030069857D2E4169EE7"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["authenticated"], false);
}

TEST_F(GatewayBasic, ManyConcurrentClientsAreAllAnswered) {
  constexpr int kClients = 300;
  std::vector<std::unique_ptr<sgtest::RawClient>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(std::make_unique<sgtest::RawClient>(port()));
  for (int i = 0; i < kClients; ++i)
    ASSERT_TRUE(
        clients[i]->send("GET /t/params/" + std::to_string(i) + "/x HTTP/1.1\r\nHost: x\r\n\r\n"));
  for (int i = 0; i < kClients; ++i) {
    auto r = clients[i]->read_response(20s);
    ASSERT_TRUE(r) << "client " << i << " got no answer";
    ASSERT_EQ(r->status, 200);
    ASSERT_EQ(r->json()["id"], std::to_string(i));
  }
}

TEST_F(GatewayBasic, AccessLogHasNoQueryOrToken) {
  sgtest::http(port(), "GET", "/t/hello?secret=hunter2", "",
               {{"Authorization", "Bearer supersecrettoken123"}});
  std::this_thread::sleep_for(300ms);
  std::string log = gw_->server->log();
  EXPECT_NE(log.find("\"path\":\"/t/hello\""), std::string::npos) << log.substr(0, 4000);
  EXPECT_EQ(log.find("hunter2"), std::string::npos);
  EXPECT_EQ(log.find("supersecrettoken123"), std::string::npos);
}

TEST_F(GatewayBasic, RandomBytesNeverCrashTheServer) {
  std::mt19937 rng(1234);
  const std::string methods[] = {"GET", "POST", "PUT", "HEAD", "OPTIONS", "BREW", ""};
  for (int i = 0; i < 300; ++i) {
    std::string req;
    switch (i % 3) {
      case 0:  // pure noise
        req = gwtest::payload(1 + rng() % 3000, static_cast<unsigned>(i));
        break;
      case 1:  // a plausible request line with mangled pieces
        req = methods[rng() % 7] + " /t/" + gwtest::payload(rng() % 40, static_cast<unsigned>(i)) +
              " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(rng() % 50) + "\r\n\r\n" +
              gwtest::payload(rng() % 60, static_cast<unsigned>(i) + 1);
        break;
      default:  // broken chunked framing
        req = "POST /t/stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
              gwtest::payload(rng() % 200, static_cast<unsigned>(i)) + "\r\n";
        break;
    }
    sgtest::RawClient c(port());
    c.send(req, 1s);
    c.read_some(4096, 20ms);
  }
  ASSERT_TRUE(gw_->server->running());
  EXPECT_EQ(sgtest::http(port(), "GET", "/t/hello").status, 200);
}
