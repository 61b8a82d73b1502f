// The outgoing webhook client in process against a real receiver on 127.0.0.1: the address
// policy, timeouts, redirects, response caps and connection failures.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "webhook_client.hpp"
#include "webhook_receiver.hpp"

namespace {

using namespace sg::worker;
using Outcome = WebhookResponse::Outcome;

WebhookRequest request_to(const std::string& url) {
  WebhookRequest r;
  auto u = parse_webhook_url(url);
  EXPECT_TRUE(u) << url;
  r.url = u.value();
  r.headers = {{"Content-Type", "application/json"}, {"User-Agent", "StreamGate-Webhooks/1"}};
  r.body = R"({"hello":"world"})";
  return r;
}

WebhookClientOptions options(bool allow_private, int timeout_ms = 5000) {
  WebhookClientOptions o;
  o.allow_private_targets = allow_private;
  o.timeout = std::chrono::milliseconds(timeout_ms);
  return o;
}

TEST(WebhookClient, DeliversToAnAllowedPrivateTarget) {
  wtest::WebhookReceiver rx;
  auto res = send_webhook(request_to(rx.url("/in?x=1")), options(true));
  EXPECT_EQ(res.outcome, Outcome::delivered) << res.error;
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "ok");
  EXPECT_EQ(res.address, "127.0.0.1");
  ASSERT_EQ(rx.count(), 1u);
  auto req = rx.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/in?x=1");
  EXPECT_EQ(req.body, R"({"hello":"world"})");
  EXPECT_EQ(req.headers["host"], "127.0.0.1:" + std::to_string(rx.port()));
  EXPECT_EQ(req.headers["content-type"], "application/json");
  EXPECT_EQ(req.headers["user-agent"], "StreamGate-Webhooks/1");
}

TEST(WebhookClient, RefusesLoopbackLiteralAndNameWithoutSending) {
  wtest::WebhookReceiver rx;
  for (std::string host : {"127.0.0.1", "localhost"}) {
    auto res = send_webhook(
        request_to("http://" + host + ":" + std::to_string(rx.port()) + "/hook"), options(false));
    EXPECT_EQ(res.outcome, Outcome::refused) << host << ": " << res.error;
    EXPECT_NE(res.error.find("loopback"), std::string::npos) << res.error;
    EXPECT_NE(res.error.find("allow_private_targets"), std::string::npos) << res.error;
    EXPECT_EQ(res.status, 0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rx.count(), 0u);
}

TEST(WebhookClient, UnansweredRequestTimesOut) {
  wtest::WebhookReceiver rx;
  rx.hang();
  auto start = std::chrono::steady_clock::now();
  auto res = send_webhook(request_to(rx.url()), options(true, 700));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(res.outcome, Outcome::timeout) << res.error;
  EXPECT_NE(res.error.find("timed out after 700 ms"), std::string::npos) << res.error;
  EXPECT_GE(took, std::chrono::milliseconds(650));
  EXPECT_LT(took, std::chrono::milliseconds(3000));
  EXPECT_EQ(rx.count(), 1u);  // it was sent; only the answer never came
}

TEST(WebhookClient, RedirectsAreNotFollowed) {
  wtest::WebhookReceiver rx;
  rx.answer_with(302, "Location", rx.url("/elsewhere"), "");
  auto res = send_webhook(request_to(rx.url()), options(true));
  EXPECT_EQ(res.outcome, Outcome::http_error);
  EXPECT_EQ(res.status, 302);
  EXPECT_NE(res.error.find("redirects are not followed"), std::string::npos) << res.error;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rx.count(), 1u);
}

TEST(WebhookClient, ResponseBodyIsCapped) {
  wtest::WebhookReceiver rx;
  rx.answer_with(200, "X-Big", "1", std::string(300 * 1024, 'z'));
  auto res = send_webhook(request_to(rx.url()), options(true));
  // The status counts; a body declared longer than 64 KiB is not read at all.
  EXPECT_EQ(res.outcome, Outcome::delivered) << res.error;
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(res.body.empty());
  rx.answer_with(200, "X-Small", "1", std::string(1000, 'y'));
  res = send_webhook(request_to(rx.url()), options(true));
  EXPECT_EQ(res.body, std::string(1000, 'y'));
}

TEST(WebhookClient, ServerErrorAndClosedPort) {
  wtest::WebhookReceiver rx;
  rx.script({503});
  auto res = send_webhook(request_to(rx.url()), options(true));
  EXPECT_EQ(res.outcome, Outcome::http_error);
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(res.error, "HTTP 503");

  // A port nobody listens on: bind one, then close it without listening.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  res = send_webhook(request_to("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/"),
                     options(true));
  EXPECT_EQ(res.outcome, Outcome::network_error);
  EXPECT_NE(res.error.find("connecting failed"), std::string::npos) << res.error;
}

TEST(WebhookClient, HttpsVerifiesTheCertificate) {
  // A plain-HTTP receiver answering a TLS ClientHello fails the handshake: the client
  // must report it rather than fall back to plain text.
  wtest::WebhookReceiver rx;
  auto res = send_webhook(request_to("https://127.0.0.1:" + std::to_string(rx.port()) + "/"),
                          options(true, 3000));
  EXPECT_NE(res.outcome, Outcome::delivered);
  EXPECT_TRUE(res.outcome == Outcome::network_error || res.outcome == Outcome::timeout)
      << outcome_name(res.outcome) << " " << res.error;
}

}  // namespace
