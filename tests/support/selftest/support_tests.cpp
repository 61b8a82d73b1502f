// The test helpers start real servers; these checks make a broken helper fail loudly here
// instead of as a confusing failure in every suite that uses it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "support.hpp"

namespace {

TEST(SupportPorts, FreePortsAreDistinctAndClosed) {
  uint16_t a = sgtest::free_port();
  uint16_t b = sgtest::free_port();
  EXPECT_NE(a, b);
  EXPECT_FALSE(sgtest::port_accepts(a));
}

TEST(SupportProcess, ReportsExitCodeAndOutput) {
  auto r = sgtest::run_command({"sh", "-c", "echo hello; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.output, "hello\n");
}

TEST(SupportProcess, WaitTimesOutOnARunningChild) {
  auto p = sgtest::Process::spawn({"sleep", "5"});
  EXPECT_TRUE(p.running());
  EXPECT_FALSE(p.wait(std::chrono::milliseconds(50)).has_value());
  p.signal(SIGKILL);
  auto code = p.wait(std::chrono::seconds(5));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 128 + SIGKILL);
}

TEST(SupportHttp, TimeoutBoundsAServerThatNeverAnswers) {
  // A listener that never accepts: connect succeeds (backlog), no response ever comes.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  uint16_t port = ntohs(addr.sin_port);
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(sgtest::http(port, "GET", "/", "", {}, std::chrono::milliseconds(300)),
               std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  ::close(fd);
}

TEST(SupportRedis, StartsAnswersAndStops) {
  if (!sgtest::RedisServer::available()) GTEST_SKIP() << "redis-server not installed";
  sgtest::RedisServer redis;
  redis.start();
  EXPECT_TRUE(sgtest::port_accepts(redis.port()));
  auto r = sgtest::run_command({"redis-cli", "-p", std::to_string(redis.port()), "PING"});
  EXPECT_EQ(r.output, "PONG\n");
  redis.stop();
  EXPECT_FALSE(sgtest::port_accepts(redis.port()));
}

TEST(SupportPostgres, StartsAndRunsSql) {
  if (!sgtest::PostgresServer::available()) GTEST_SKIP() << "postgresql not installed";
  sgtest::PostgresServer pg;
  pg.start();
  EXPECT_EQ(pg.psql("SELECT 40 + 2"), "42\n");
  pg.stop();
  EXPECT_FALSE(pg.running());
}

}  // namespace
