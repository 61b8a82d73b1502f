// STREAM-mode bodies: a 1 GiB upload with bounded server memory, chunked framing,
// 100-continue, limits (413 before and while reading) and refusal before the body.
#include <gtest/gtest.h>

#include <thread>

#include "gateway_fixture.hpp"
#include "raw_client.hpp"

using namespace std::chrono_literals;

namespace {

class GatewayBodies : public ::testing::Test {
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
    if (gw_ == nullptr || !gw_->server || !gw_->server->running()) GTEST_SKIP() << "no server";
  }
  static uint16_t port() { return gw_->port(); }
  static gwtest::Gateway* gw_;
};
gwtest::Gateway* GatewayBodies::gw_ = nullptr;

std::uint64_t byte_sum(std::string_view s) {
  std::uint64_t sum = 0;
  for (unsigned char c : s) sum += c;
  return sum;
}

}  // namespace

TEST_F(GatewayBodies, OneGibibyteStreamsWithBoundedMemory) {
  constexpr std::uint64_t kTotal = 1ull << 30;
  const std::string block = gwtest::payload(1 << 20, 11);
  const std::uint64_t block_sum = byte_sum(block);
  const pid_t pid = gw_->server->pid();
  const std::uint64_t rss_before = gwtest::rss_kib(pid);
  std::uint64_t rss_peak = rss_before;

  sgtest::RawClient c(port());
  ASSERT_TRUE(c.send("PUT /t/stream HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(kTotal) + "\r\n\r\n"));
  auto started = std::chrono::steady_clock::now();
  for (std::uint64_t sent = 0; sent < kTotal; sent += block.size()) {
    ASSERT_TRUE(c.send(block, 20s)) << "server stopped reading at " << sent;
    if ((sent >> 20) % 64 == 0) rss_peak = std::max(rss_peak, gwtest::rss_kib(pid));
  }
  auto r = c.read_response(60s);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  rss_peak = std::max(rss_peak, gwtest::rss_kib(pid));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto doc = r->json();
  EXPECT_EQ(doc["bytes"].get<std::uint64_t>(), kTotal);
  EXPECT_EQ(doc["sum"].get<std::uint64_t>(), block_sum * 1024);
  // A Content-Length body is read straight from the socket, as much as is queued per
  // recv (up to 1 MiB), not in the parser's 64 KiB pieces.
  EXPECT_GT(doc["max_chunk"].get<std::uint64_t>(), 64u * 1024);
  EXPECT_LE(doc["max_chunk"].get<std::uint64_t>(), 1u << 20);
  EXPECT_LT(rss_peak - rss_before, 64u * 1024)
      << "RSS grew from " << rss_before << " KiB to " << rss_peak << " KiB";
  std::cout << "[ metric ] 1 GiB streamed in " << secs << " s ("
            << static_cast<double>(kTotal) / (1 << 20) / secs << " MiB/s), RSS " << rss_before
            << " -> peak " << rss_peak << " KiB\n";
}

TEST_F(GatewayBodies, ChunkedStreamIsCounted) {
  sgtest::RawClient c(port());
  std::string req = "POST /t/stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string body;
  for (int i = 1; i <= 50; ++i) {
    std::string part = gwtest::payload(static_cast<std::size_t>(i) * 997, static_cast<unsigned>(i));
    char hex[16];
    std::snprintf(hex, sizeof hex, "%zx", part.size());
    req += std::string(hex) + "\r\n" + part + "\r\n";
    body += part;
  }
  req += "0\r\n\r\n";
  ASSERT_TRUE(c.send(req));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->json()["bytes"].get<std::uint64_t>(), body.size());
  EXPECT_EQ(r->json()["sum"].get<std::uint64_t>(), byte_sum(body));
  // Fully read: the connection stays usable.
  ASSERT_TRUE(c.send("GET /t/hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto again = c.read_response();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "hello");
}

TEST_F(GatewayBodies, ContinueIsSentOnFirstRead) {
  sgtest::RawClient c(port());
  ASSERT_TRUE(
      c.send("PUT /t/stream HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
             "Expect: 100-continue\r\n\r\n"));
  auto interim = c.read_response(5s);
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("abcde"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->json()["bytes"], 5);
}

TEST_F(GatewayBodies, HandlerMayRefuseBeforeTheBody) {
  sgtest::RawClient c(port());
  ASSERT_TRUE(
      c.send("PUT /t/stream HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n"
             "Expect: 100-continue\r\nX-Refuse: 1\r\n\r\n"));
  auto r = c.read_response(5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);  // no 100 Continue came first
  EXPECT_EQ(r->header("connection"), "close");
}

TEST_F(GatewayBodies, DeclaredLengthOverLimitIs413BeforeReading) {
  sgtest::RawClient c(port());
  ASSERT_TRUE(c.send("PUT /t/stream-small HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n"));
  auto r = c.read_response(5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->json()["error"]["code"], "body_too_large");
  EXPECT_EQ(r->json()["error"]["message"], "request body exceeds the limit of 1048576 bytes");
}

TEST_F(GatewayBodies, ChunkedStreamOverLimitIs413WhileReading) {
  sgtest::RawClient c(port());
  ASSERT_TRUE(
      c.send("PUT /t/stream-small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string block = gwtest::payload(64 * 1024, 5);
  char hex[16];
  std::snprintf(hex, sizeof hex, "%zx", block.size());
  bool refused_midway = false;
  for (int i = 0; i < 40; ++i) {  // 2.5 MiB > the 1 MiB limit
    if (!c.send(std::string(hex) + "\r\n" + block + "\r\n", 5s)) {
      refused_midway = true;
      break;
    }
  }
  auto r = c.read_response(5s);
  ASSERT_TRUE(r) << "refused_midway=" << refused_midway;
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->json()["error"]["message"], "request body exceeds the limit of 1048576 bytes");
  EXPECT_EQ(sgtest::http(port(), "GET", "/t/hello").status, 200);
}

TEST_F(GatewayBodies, ClientVanishingMidBodyIsHarmless) {
  for (int i = 0; i < 10; ++i) {
    sgtest::RawClient c(port());
    ASSERT_TRUE(c.send("PUT /t/stream HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n" +
                       gwtest::payload(100000, 1)));
  }
  EXPECT_EQ(sgtest::http(port(), "GET", "/t/hello").status, 200);
}

TEST_F(GatewayBodies, ContentLengthBodyStopsAtItsEndBeforeAPipelinedRequest) {
  // Header, part of the body, then (second send) the rest and a pipelined request: the
  // direct body reads must take exactly Content-Length bytes.
  const std::string body = gwtest::payload(300000, 7);
  sgtest::RawClient c(port());
  ASSERT_TRUE(c.send("PUT /t/stream HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 1000)));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(c.send(body.substr(1000) + "GET /t/hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->json()["bytes"].get<std::uint64_t>(), body.size());
  EXPECT_EQ(r->json()["sum"].get<std::uint64_t>(), byte_sum(body));
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "hello");
}

TEST_F(GatewayBodies, ReadIntoPutsEveryChunkInTheCallersBuffer) {
  // body_read_into (http 1.1) with a 1000-byte buffer: Content-Length (bytes that came
  // with the header, then socket reads) and chunked framing; the route answers 500 if a
  // chunk is not at the start of its buffer or is larger than it.
  const std::string body = gwtest::payload(250000, 3);
  sgtest::RawClient c(port());
  ASSERT_TRUE(c.send("POST /t/stream-into?cap=1000 HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 5000)));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(c.send(body.substr(5000)));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->json()["bytes"].get<std::uint64_t>(), body.size());
  EXPECT_EQ(r->json()["sum"].get<std::uint64_t>(), byte_sum(body));
  EXPECT_LE(r->json()["max_chunk"].get<std::uint64_t>(), 1000u);
  EXPECT_GE(r->json()["chunks"].get<std::uint64_t>(), body.size() / 1000);

  std::string req =
      "POST /t/stream-into?cap=777 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::size_t off = 0; off < body.size(); off += 4096) {
    std::string part = body.substr(off, 4096);
    char hex[16];
    std::snprintf(hex, sizeof hex, "%zx", part.size());
    req += std::string(hex) + "\r\n" + part + "\r\n";
  }
  req += "0\r\n\r\n";
  ASSERT_TRUE(c.send(req));
  auto chunked = c.read_response();
  ASSERT_TRUE(chunked);
  ASSERT_EQ(chunked->status, 200) << chunked->body;
  EXPECT_EQ(chunked->json()["bytes"].get<std::uint64_t>(), body.size());
  EXPECT_EQ(chunked->json()["sum"].get<std::uint64_t>(), byte_sum(body));
  EXPECT_LE(chunked->json()["max_chunk"].get<std::uint64_t>(), 777u);
}

// Before, an exception in a body callback was swallowed and the request hung until the
// body timeout; the SDK's shim now answers it.
TEST(GatewayBody, ThrowingBodyCallbackIsAnswered) {
  gwtest::Gateway gw;
  ASSERT_TRUE(gw.start());
  auto r = sgtest::http(gw.port(), "PUT", "/t/stream-throws", "some bytes");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.json()["error"]["code"], "bad_chunk");
}
