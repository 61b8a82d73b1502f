// EventFeed alone: which streams see which events, the replay window behind Last-Event-ID,
// the limits, and what never leaves the process.
#include "event_feed.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using sg::monitor::EventFeed;
using sg::monitor::FeedLimits;
using sg::monitor::StreamFilter;
using sg::monitor::StreamSink;
using json = nlohmann::json;

namespace {

const std::string kAlice = "0x00000000000000000000000000000000000A11cE";
const std::string kBob = "0x0000000000000000000000000000000000000B0b";

struct Recorder {
  std::string text;
  bool open = true;
  bool ended = false;
};

class RecordingSink final : public StreamSink {
 public:
  explicit RecordingSink(std::shared_ptr<Recorder> r) : r_(std::move(r)) {}
  bool write(std::string_view bytes) override {
    if (!r_->open) return false;
    r_->text.append(bytes);
    return true;
  }
  void end() override { r_->ended = true; }

 private:
  std::shared_ptr<Recorder> r_;
};

struct Attached {
  std::shared_ptr<Recorder> rec = std::make_shared<Recorder>();
  std::optional<std::uint64_t> id;
};

Attached attach(EventFeed& feed, StreamFilter f, std::string_view last = {}) {
  Attached a;
  a.id = feed.attach(std::move(f), last, std::make_unique<RecordingSink>(a.rec));
  return a;
}

json content_event(const std::string& owner, const std::string& id) {
  return {{"content_id", id}, {"owner", owner}, {"status", "processing"}};
}

// The data: lines of a recorded stream, parsed.
std::vector<json> events_of(const std::string& text) {
  std::vector<json> out;
  std::size_t pos = 0;
  while ((pos = text.find("data: ", pos)) != std::string::npos) {
    auto end = text.find('\n', pos);
    out.push_back(json::parse(text.substr(pos + 6, end - pos - 6)));
    pos = end;
  }
  return out;
}

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));

}  // namespace

TEST(EventFeed, OwnersSeeTheirOwnContentAndAdminsWithScopeAllSeeEverything) {
  EventFeed feed({}, "100");
  auto alice = attach(feed, {kAlice, false});
  auto bob = attach(feed, {kBob, false});
  auto admin = attach(feed, {kBob, true});
  ASSERT_TRUE(alice.id && bob.id && admin.id);
  EXPECT_TRUE(feed.publish("content.created", content_event(kAlice, "c1"), kNow));
  EXPECT_TRUE(feed.publish("transcode.progress",
                           {{"content_id", "c2"}, {"owner", kBob}, {"progress", 40}}, kNow));
  // No owner: nobody's content as far as owners go; administrators still see it.
  EXPECT_TRUE(feed.publish("transcode.failed", {{"content_id", "c3"}}, kNow));

  auto a = events_of(alice.rec->text);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["topic"], "content.created");
  EXPECT_EQ(a[0]["data"]["content_id"], "c1");
  EXPECT_EQ(a[0]["id"], "100-1");
  EXPECT_EQ(a[0]["created_at"], "2027-01-15T08:00:00.000Z");
  auto b = events_of(bob.rec->text);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0]["data"]["progress"], 40);
  EXPECT_EQ(events_of(admin.rec->text).size(), 3u);
  // SSE framing: retry hint first, then id / event / data.
  EXPECT_EQ(alice.rec->text.rfind("retry: 3000\n\n", 0), 0u);
  EXPECT_NE(alice.rec->text.find("id: 100-1\nevent: content.created\ndata: {"), std::string::npos);
}

TEST(EventFeed, InternalTopicsAndServerPathsNeverLeave) {
  EventFeed feed({}, "1");
  auto admin = attach(feed, {"", true});
  EXPECT_FALSE(feed.publish("job.claimed", {{"owner", kAlice}}, kNow));
  EXPECT_FALSE(feed.publish("auth.session", {{"owner", kAlice}}, kNow));
  EXPECT_TRUE(feed.publish("upload.completed",
                           {{"content_id", "c1"},
                            {"owner", kAlice},
                            {"path", "/srv/data/x"},
                            {"probe", {{"format", "mp4"}}},
                            {"size", 10}},
                           kNow));
  auto e = events_of(admin.rec->text);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_FALSE(e[0]["data"].contains("path"));
  EXPECT_FALSE(e[0]["data"].contains("probe"));
  EXPECT_EQ(e[0]["data"]["size"], 10);
}

TEST(EventFeed, LastEventIdReplaysOnlyWhatCameAfterIt) {
  EventFeed feed({}, "7");
  for (int i = 1; i <= 5; ++i)
    feed.publish("content.updated",
                 content_event(i % 2 ? kAlice : kBob, std::string("c") + std::to_string(i)), kNow);
  auto alice = attach(feed, {kAlice, false}, "7-2");
  auto e = events_of(alice.rec->text);
  ASSERT_EQ(e.size(), 2u);  // 3 and 5 are Alice's; 4 is Bob's
  EXPECT_EQ(e[0]["id"], "7-3");
  EXPECT_EQ(e[1]["id"], "7-5");
  // Up to date: nothing replayed, no reset.
  auto current = attach(feed, {kAlice, false}, "7-5");
  EXPECT_TRUE(events_of(current.rec->text).empty());
  EXPECT_EQ(current.rec->text.find("event: reset"), std::string::npos);
}

TEST(EventFeed, AGapOrAnotherProcessesIdGetsAReset) {
  EventFeed feed({3, 600s, 100}, "7");
  for (int i = 1; i <= 6; ++i) feed.publish("content.updated", content_event(kAlice, "c"), kNow);
  // Only 4..6 are kept: resuming after 2 would miss 3.
  auto late = attach(feed, {kAlice, false}, "7-2");
  EXPECT_NE(late.rec->text.find("event: reset\n"), std::string::npos);
  EXPECT_TRUE(events_of(late.rec->text).size() == 1u);  // the reset's own data: {}
  auto fine = attach(feed, {kAlice, false}, "7-3");
  EXPECT_EQ(events_of(fine.rec->text).size(), 3u);
  for (const char* id : {"8-3", "garbage", "7-", "7-99", "-1"}) {
    auto other = attach(feed, {kAlice, false}, id);
    EXPECT_NE(other.rec->text.find("event: reset\n"), std::string::npos) << id;
  }
}

TEST(EventFeed, TheWindowForgetsOldEventsByAge) {
  EventFeed feed({100, 60s, 100}, "1");
  feed.publish("content.updated", content_event(kAlice, "c1"), kNow);
  feed.publish("content.updated", content_event(kAlice, "c2"), kNow + 30s);
  feed.heartbeat(kNow + 70s);  // c1 is 70 s old now
  auto a = attach(feed, {kAlice, false}, "1-1");
  EXPECT_EQ(events_of(a.rec->text).size(), 1u);
  auto b = attach(feed, {kAlice, false}, "1-0");
  EXPECT_NE(b.rec->text.find("event: reset"), std::string::npos);
}

TEST(EventFeed, StreamsAreBoundedAndClosedOnesAreForgotten) {
  EventFeed feed({100, 600s, 2}, "1");
  auto one = attach(feed, {kAlice, false});
  auto two = attach(feed, {kAlice, false});
  auto three = attach(feed, {kAlice, false});
  EXPECT_TRUE(one.id && two.id);
  EXPECT_FALSE(three.id);
  EXPECT_EQ(feed.stream_count(), 2u);
  one.rec->open = false;  // its client left
  feed.heartbeat(kNow);
  EXPECT_EQ(feed.stream_count(), 1u);
  EXPECT_NE(two.rec->text.find(": keep-alive\n\n"), std::string::npos);
  auto four = attach(feed, {kAlice, false});
  EXPECT_TRUE(four.id);
  two.rec->open = false;  // also noticed on the next event
  feed.publish("content.deleted", content_event(kAlice, "c"), kNow);
  EXPECT_EQ(feed.stream_count(), 1u);
  EXPECT_EQ(feed.delivered(), 1u);
  feed.detach(*four.id);
  EXPECT_TRUE(four.rec->ended);
  EXPECT_EQ(feed.stream_count(), 0u);
}

TEST(EventFeed, EndAllEndsEveryStream) {
  EventFeed feed({}, "1");
  auto a = attach(feed, {kAlice, false});
  auto b = attach(feed, {kBob, true});
  feed.end_all();
  EXPECT_TRUE(a.rec->ended);
  EXPECT_TRUE(b.rec->ended);
  EXPECT_EQ(feed.stream_count(), 0u);
}
