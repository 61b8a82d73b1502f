// Streamed answers (http 1.3 respond_stream / stream_write / stream_end), through a real
// streamgate and raw sockets: chunked framing and keep-alive after the end, HTTP/1.0 and
// HEAD, a client that hangs up, a client that stops reading, and shutdown mid-stream.
#include <gtest/gtest.h>

#include <streamgate/plugin.h>
#include <nlohmann/json.hpp>
#include <thread>

#include "gateway_fixture.hpp"
#include "raw_client.hpp"

using namespace std::chrono_literals;

namespace {

// What /t/events' writer ended with (-1: still running).
int stream_result(uint16_t port) {
  auto r = sgtest::http(port, "GET", "/t/hold-result");
  return nlohmann::json::parse(r.body).value("stream", -2);
}

int wait_stream_result(uint16_t port, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  int r = stream_result(port);
  while (r == -1 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(20ms);
    r = stream_result(port);
  }
  return r;
}

// Reads until `needle` has arrived (or the timeout); returns everything read.
std::string read_until(sgtest::RawClient& c, std::string_view needle,
                       std::chrono::milliseconds timeout) {
  std::string got;
  auto until = std::chrono::steady_clock::now() + timeout;
  while (got.find(needle) == std::string::npos && std::chrono::steady_clock::now() < until) {
    std::string more = c.read_some(64 * 1024, 200ms);
    got += more;
  }
  return got;
}

// The payload of a chunked body ("" when the framing is broken).
std::string dechunk(std::string_view body) {
  std::string out;
  while (true) {
    auto eol = body.find("\r\n");
    if (eol == std::string_view::npos) return "";
    std::size_t size = std::stoul(std::string(body.substr(0, eol)), nullptr, 16);
    body.remove_prefix(eol + 2);
    if (size == 0) return body == "\r\n" ? out : "";
    if (body.size() < size + 2 || body.substr(size, 2) != "\r\n") return "";
    out.append(body.substr(0, size));
    body.remove_prefix(size + 2);
  }
}

}  // namespace

TEST(GatewayStream, PiecesArriveChunkedInOrderAndTheConnectionIsReused) {
  gwtest::Gateway gw;
  ASSERT_TRUE(gw.start());
  sgtest::RawClient c(gw.port());
  ASSERT_TRUE(c.send("GET /t/events?count=3&interval_ms=50 HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string raw = read_until(c, "\r\n0\r\n\r\n", 5s);
  auto split = raw.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos) << raw;
  const std::string head = raw.substr(0, split + 2);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(dechunk(std::string_view(raw).substr(split + 4)),
            "data: piece 0\n\ndata: piece 1\n\ndata: piece 2\n\n")
      << raw;
  EXPECT_EQ(wait_stream_result(gw.port(), 2s), SG_OK);
  // The stream ended with its last chunk: the same connection serves the next request.
  ASSERT_TRUE(c.send("GET /t/hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto next = c.read_response(5s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST(GatewayStream, FirstPieceIsNotHeldBackUntilTheEnd) {
  gwtest::Gateway gw;
  ASSERT_TRUE(gw.start());
  sgtest::RawClient c(gw.port());
  ASSERT_TRUE(c.send("GET /t/events?count=2&interval_ms=3000 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto t0 = std::chrono::steady_clock::now();
  std::string got = read_until(c, "piece 0", 2s);
  EXPECT_NE(got.find("piece 0"), std::string::npos) << got;
  EXPECT_EQ(got.find("piece 1"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST(GatewayStream, Http10GetsTheBodyUntilCloseAndHeadGetsTheHeader) {
  gwtest::Gateway gw;
  ASSERT_TRUE(gw.start());
  {
    sgtest::RawClient c(gw.port());
    ASSERT_TRUE(c.send("GET /t/events?count=2&interval_ms=10 HTTP/1.0\r\n\r\n"));
    std::string got = read_until(c, "piece 1\n\n", 3s);
    EXPECT_EQ(got.find("chunked"), std::string::npos) << got;
    EXPECT_NE(got.find("\r\n\r\ndata: piece 0\n\ndata: piece 1\n\n"), std::string::npos) << got;
    EXPECT_TRUE(c.wait_closed(3s));
  }
  sgtest::RawClient h(gw.port());
  ASSERT_TRUE(h.send("HEAD /t/events?mode=hold HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto res = h.read_response(5s, /*head=*/true);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(res->body.empty());
  // The handler learns that nobody takes its bytes.
  EXPECT_EQ(wait_stream_result(gw.port(), 3s), SG_ERR_CANCELLED);
}

TEST(GatewayStream, AClientThatHangsUpCancelsTheStream) {
  gwtest::Gateway gw;
  ASSERT_TRUE(gw.start());
  {
    sgtest::RawClient c(gw.port());
    ASSERT_TRUE(c.send("GET /t/events?mode=hold HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string got = read_until(c, ": tick", 3s);
    ASSERT_NE(got.find(": tick"), std::string::npos);
    EXPECT_EQ(stream_result(gw.port()), -1);
  }  // closed here
  EXPECT_EQ(wait_stream_result(gw.port(), 3s), SG_ERR_CANCELLED);
  EXPECT_EQ(sgtest::http(gw.port(), "GET", "/t/hello").status, 200);
}

TEST(GatewayStream, AClientThatStopsReadingOverflowsTheQueueAndIsDropped) {
  gwtest::Gateway gw;
  ASSERT_TRUE(gw.start());
  sgtest::RawClient c(gw.port());
  ASSERT_TRUE(c.send("GET /t/events?mode=flood HTTP/1.1\r\nHost: x\r\n\r\n"));
  // Never read: the socket buffers fill, then the 1 MiB queue.
  EXPECT_EQ(wait_stream_result(gw.port(), 8s), SG_ERR_LIMIT);
  EXPECT_TRUE(c.wait_closed(5s));
  EXPECT_EQ(sgtest::http(gw.port(), "GET", "/t/hello").status, 200);
}

TEST(GatewayStream, ShutdownEndsAnOpenStreamCleanly) {
  gwtest::Gateway gw;
  ASSERT_TRUE(gw.start());
  sgtest::RawClient c(gw.port());
  ASSERT_TRUE(c.send("GET /t/events?mode=hold HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_NE(read_until(c, ": tick", 3s).find(": tick"), std::string::npos);
  std::thread stopper([&] { EXPECT_EQ(gw.server->stop(10s), 0); });
  // The last chunk, then the close: the client sees a complete response, not a reset.
  std::string rest = read_until(c, "0\r\n\r\n", 8s);
  stopper.join();
  EXPECT_NE(rest.find("0\r\n\r\n"), std::string::npos) << rest.substr(0, 200);
  EXPECT_TRUE(c.wait_closed(3s));
}

TEST(GatewayStream, ShutdownEndsEvenAStreamItsPluginLeftOpen) {
  gwtest::Gateway gw;
  ASSERT_TRUE(gw.start());
  sgtest::RawClient c(gw.port());
  ASSERT_TRUE(c.send("GET /t/events?mode=park HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_NE(read_until(c, ": parked", 3s).find(": parked"), std::string::npos);
  std::thread stopper([&] { EXPECT_EQ(gw.server->stop(10s), 0); });
  std::string rest = read_until(c, "0\r\n\r\n", 8s);
  stopper.join();
  EXPECT_NE(rest.find("0\r\n\r\n"), std::string::npos) << rest.substr(0, 200);
  EXPECT_TRUE(c.wait_closed(3s));
}
