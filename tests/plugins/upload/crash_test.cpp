// Crash safety: SIGKILL the server at random moments while a PATCH body streams in,
// restart it on the same data directory, HEAD, resume. Every byte ever acknowledged (by a
// 204 or a HEAD) must still be there, and the final SHA-256 must match.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <random>
#include <thread>

#include "media_files.hpp"
#include "upload_fixture.hpp"

namespace sgtest::upload {
namespace {

namespace fs = std::filesystem;

// Streams `body` as one PATCH in small pieces with pauses, over a raw socket, so that a
// kill lands mid-body. Returns the acknowledged offset from a 204, or nullopt when the
// connection died first.
std::optional<uint64_t> slow_patch(uint16_t port, const std::string& location, uint64_t offset,
                                   std::string_view body) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string head = "PATCH " + location +
                     " HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
                     "Authorization: Bearer test." +
                     kAlice +
                     "\r\nContent-Type: application/offset+octet-stream\r\n"
                     "Upload-Offset: " +
                     std::to_string(offset) + "\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\nConnection: close\r\n\r\n";
  bool ok = ::send(fd, head.data(), head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(head.size());
  constexpr size_t kPiece = 32 * 1024;
  for (size_t i = 0; ok && i < body.size(); i += kPiece) {
    size_t n = std::min(kPiece, body.size() - i);
    size_t sent = 0;
    while (sent < n) {
      ssize_t w = ::send(fd, body.data() + i + sent, n - sent, MSG_NOSIGNAL);
      if (w <= 0) {
        ok = false;
        break;
      }
      sent += static_cast<size_t>(w);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  std::string resp;
  char buf[4096];
  while (ok) {
    ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r <= 0) break;
    resp.append(buf, static_cast<size_t>(r));
  }
  ::close(fd);
  if (resp.rfind("HTTP/1.1 204", 0) != 0) return std::nullopt;
  auto pos = resp.find("Upload-Offset: ");
  if (pos == std::string::npos) return std::nullopt;
  return std::stoull(resp.substr(pos + 15));
}

TEST(CrashSafety, KillDuringPatchNeverLosesAcknowledgedBytes) {
  // Small commit interval: long PATCHes make their progress durable (and resumable) often.
  UploadServer s(nlohmann::json{{"commit_interval", 256 * 1024}, {"buffer_bytes", 64 * 1024}},
                 false);
  ASSERT_TRUE(s.start());
  TempDir tmp("sg-upload-crash");
  auto src = tmp.path() / "src.bin";
  make_random_file(src, 16u << 20, 42);
  std::string data = read_file(src);
  std::string loc = s.create(data.size());
  auto data_path = s.server.data_dir() / "uploads" / id_of(loc) / "data";

  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  SCOPED_TRACE("kill schedule seed " + std::to_string(seed));
  uint64_t acknowledged = 0;
  int kills = 0;
  for (int round = 0; round < 12 && acknowledged < data.size(); ++round) {
    auto h = s.head(loc);
    ASSERT_EQ(h.status, 200) << s.server.log();
    uint64_t offset = std::stoull(h.header("Upload-Offset"));
    ASSERT_GE(offset, acknowledged) << "round " << round << ": acknowledged bytes were lost";
    acknowledged = offset;
    // The durable prefix is exactly the source's prefix.
    std::string on_disk = read_file(data_path);
    ASSERT_EQ(on_disk.size(), offset);
    ASSERT_TRUE(std::equal(on_disk.begin(), on_disk.end(), data.begin())) << "round " << round;

    std::atomic<bool> killed{false};
    std::thread killer;
    if (kills < 5) {
      int delay = std::uniform_int_distribution<int>(40, 250)(rng);
      killer = std::thread([&s, &killed, delay] {
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        s.server.kill();
        killed = true;
      });
    }
    auto ack = slow_patch(s.port(), loc, offset, std::string_view(data).substr(offset));
    if (killer.joinable()) killer.join();
    if (ack) acknowledged = std::max(acknowledged, *ack);
    if (killed) {
      ++kills;
      ASSERT_TRUE(s.start()) << "restart after kill " << kills;
    }
  }
  // The body streams slower than the kills come: every kill lands mid-PATCH.
  EXPECT_EQ(kills, 5);
  auto h = s.head(loc);
  ASSERT_EQ(h.header("Upload-Offset"), std::to_string(data.size())) << s.server.log();
  // After a restart, completion of an upload whose bytes were all durable runs in the
  // background: poll (bounded) until it is done.
  nlohmann::json state;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    auto r = http(s.port(), "GET", "/api/v1/uploads/" + id_of(loc), "",
                  {{"Authorization", "Bearer test." + kAlice}});
    ASSERT_EQ(r.status, 200);
    state = r.json();
    if (state["state"] != "uploading") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(state["sha256"], sha256_hex_of(data)) << state.dump();
  std::cerr << "kills: " << kills << "\n";
  EXPECT_EQ(read_file(data_path), data);
}

}  // namespace
}  // namespace sgtest::upload
