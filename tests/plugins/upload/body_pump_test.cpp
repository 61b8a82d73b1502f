// The body pump's ring of buffers, end to end: with buffers far smaller than the body, a
// PATCH cycles through the ring thousands of times. The bytes must land in body order, a
// write refused mid-body must stop the request with its error, and the server must carry on.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "media_files.hpp"
#include "upload_fixture.hpp"

namespace sgtest::upload {
namespace {

namespace fs = std::filesystem;

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

fs::path data_file(UploadServer& s, const std::string& location) {
  return s.server.data_dir() / "uploads" / id_of(location) / "data";
}

// 4 KiB buffers, three per request: a 2 MiB body passes through ~500 buffers, each reused
// ~170 times, with commits every 64 KiB in between.
const nlohmann::json kTinyRing = {
    {"buffer_bytes", 4096}, {"buffer_count", 3}, {"commit_interval", 65536}};

TEST(BodyPump, ATinyRingKeepsTheBytesInBodyOrder) {
  UploadServer s(kTinyRing);
  ASSERT_TRUE(s.start());
  // Sizes that do not fall on buffer edges, one PATCH each, then the rest in one go.
  std::string data = random_bytes((2u << 20) + 4321, 7);
  std::string loc = s.create(data.size());
  uint64_t offset = 0;
  for (size_t piece : {size_t{1}, size_t{4095}, size_t{4097}, size_t{12289}, size_t{100003}}) {
    auto r = s.patch(loc, offset, data.substr(offset, piece));
    ASSERT_EQ(r.status, 204) << r.body;
    offset += piece;
    ASSERT_EQ(r.header("Upload-Offset"), std::to_string(offset));
  }
  auto last = s.patch(loc, offset, data.substr(offset));
  ASSERT_EQ(last.status, 204) << last.body;
  EXPECT_EQ(last.header("Upload-Offset"), std::to_string(data.size()));
  EXPECT_EQ(read_file(data_file(s, loc)), data);
  auto state = http(s.port(), "GET", "/api/v1/uploads/" + id_of(loc), "",
                    {{"Authorization", "Bearer test." + kAlice}});
  ASSERT_EQ(state.status, 200) << state.body;
  EXPECT_EQ(state.json()["sha256"], sha256_hex_of(data));
}

TEST(BodyPump, AWriteRefusedMidBodyEndsTheRequestAndKeepsTheDurablePrefix) {
  UploadServer s(kTinyRing);
  ASSERT_TRUE(s.start());
  std::string loc = s.create(100000);
  // Chunked: with no Content-Length nothing refuses it up front; the pump's writes reach
  // Upload-Length mid-body.
  std::string data = random_bytes(300000, 11);
  std::string request = chunked_patch(loc, kAlice, 0, data, 10000);
  std::string answer = raw_exchange(s.port(), request);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 400);
  EXPECT_NE(answer.find("\"code\":\"upload_length_exceeded\""), std::string::npos) << answer;
  EXPECT_NE(answer.find("\"limit\":100000"), std::string::npos);

  // What stays is a durable prefix of the body, below the limit, and HEAD says so.
  uint64_t kept = std::stoull(s.head(loc).header("Upload-Offset"));
  EXPECT_LE(kept, 100000u);
  EXPECT_EQ(read_file(data_file(s, loc)), data.substr(0, kept));
  // The upload carries on from there.
  auto rest = s.patch(loc, kept, data.substr(kept, 100000 - kept));
  ASSERT_EQ(rest.status, 204) << rest.body;
  EXPECT_EQ(rest.header("Upload-Offset"), "100000");
  EXPECT_EQ(read_file(data_file(s, loc)), data.substr(0, 100000));
}

TEST(BodyPump, UploadsTakeTurnsOnOneWriterSlot) {
  nlohmann::json config = kTinyRing;
  config["max_writers"] = 1;
  UploadServer s(config);
  ASSERT_TRUE(s.start());
  // Four bodies at once through one writer slot: each writer yields after a ring's worth
  // while others wait, so all of them move and every byte lands in order.
  std::vector<std::string> data;
  std::vector<std::string> locs;
  for (unsigned i = 0; i < 4; ++i) {
    data.push_back(random_bytes((1u << 20) + 1000 * i, 100 + i));
    locs.push_back(s.create(data.back().size()));
  }
  std::vector<int> status(4, 0);
  std::vector<std::thread> clients;
  for (size_t i = 0; i < 4; ++i)
    clients.emplace_back([&, i] { status[i] = s.patch(locs[i], 0, data[i]).status; });
  for (auto& t : clients) t.join();
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(status[i], 204) << i;
    EXPECT_EQ(read_file(data_file(s, locs[i])), data[i]) << i;
  }
}

}  // namespace
}  // namespace sgtest::upload
