// The in-memory aggregate of view analytics, fed by the segment path and drained in batches
// by the flusher (analytics.hpp). The segment path only takes one shard's mutex and bumps
// counters in hash maps with fixed-size keys: no SQL, no string building, no allocation
// except when a new session, day or rendition first appears.
//
// Rules (all by UTC day of the request):
// - A playback session is one playback token (its hash: every mint has its own jti), or, for
//   requests without a token, one viewer with no more than 30 minutes between segments.
// - A view is a session that fetched at least one media segment, counted once per UTC day
//   it fetched segments on (a session across midnight is a view on both days).
// - Unique viewers are the distinct viewer ids of each day's views (exact: the flusher
//   stores the (content, day, viewer) set).
// - Watch time is the duration of the segments delivered; the same segment fetched again
//   right away in the same session (a retry) is not counted twice. Range parts are filtered
//   before (counts_as_delivery).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "viewer.hpp"

namespace sg::streaming {

// One delivered media segment, as the segment path saw it.
struct SegmentDelivery {
  std::string_view content_id;  // normalised UUID (36 characters)
  std::string_view rendition;   // "720p", "audio" (at most 7 characters)
  uint32_t segment = 0;         // its number (seg-00001.m4s = 1)
  double seconds = 0;           // its duration
  bool adds_watch_time = true;  // video, or audio of a content without video
  uint64_t token_session = 0;   // hash of the playback token; 0 = no token (30-minute rule)
  int64_t token_expires_at = 0;
  ViewerId viewer;
  int64_t now = 0;  // Unix seconds
};

struct DayTotals {
  int64_t views = 0;
  int64_t segments = 0;
  int64_t watch_ms = 0;
};
struct RenditionTotals {
  int64_t segments = 0;
  int64_t watch_ms = 0;
};

// What a drain hands to SQL: increments to add, viewers to insert if absent.
struct ViewBatch {
  std::map<std::pair<std::string, int64_t>, DayTotals> days;  // (content, day)
  std::map<std::tuple<std::string, int64_t, std::string>, RenditionTotals> renditions;
  std::set<std::tuple<std::string, int64_t, std::string>> viewers;  // (content, day, viewer)

  bool empty() const { return days.empty() && renditions.empty() && viewers.empty(); }
  size_t rows() const { return days.size() + renditions.size() + viewers.size(); }
  // Adds `other` into this batch (a failed flush kept for the next one).
  void merge(const ViewBatch& other);
  // Removes everything of `content_id`.
  void erase_content(std::string_view content_id);
};

class ViewCounter {
 public:
  static constexpr int64_t kSessionGapSeconds = 30 * 60;

  // `max_sessions`: sessions remembered at once (a shard full of live sessions starts over,
  // which can count a view twice under a flood rather than grow without bound).
  explicit ViewCounter(size_t max_sessions = 1'000'000);

  // Counts one delivered segment. Returns true when it started a view.
  bool record(const SegmentDelivery& d);

  // Takes what was counted since the last drain, and forgets sessions that can no longer
  // continue (tokenless ones idle for 30 minutes, token ones past their token's expiry).
  ViewBatch drain(int64_t now);

  // Forgets everything of a content (deleted): its pending counts and its sessions.
  void forget_content(std::string_view content_id);

  size_t sessions() const;

 private:
  using ContentKey = std::array<char, 36>;
  using NameKey = std::array<char, 8>;  // NUL padded
  struct SessionKey {
    ContentKey content;
    uint64_t session;  // token hash, or the viewer's hash
    bool operator==(const SessionKey&) const = default;
  };
  struct Session {
    int64_t last_seen = 0;
    int64_t view_day = -1;   // the last day a view was counted for
    int64_t expires_at = 0;  // token sessions: the token's expiry
    bool token = false;
    uint64_t last_segment = 0;
  };
  struct DayKey {
    ContentKey content;
    int64_t day;
    bool operator==(const DayKey&) const = default;
  };
  struct RenditionKey {
    ContentKey content;
    int64_t day;
    NameKey name;
    bool operator==(const RenditionKey&) const = default;
  };
  struct ViewerKey {
    ContentKey content;
    int64_t day;
    ViewerId viewer;
    bool operator==(const ViewerKey&) const = default;
  };
  struct Hash {
    size_t operator()(const SessionKey& k) const noexcept;
    size_t operator()(const DayKey& k) const noexcept;
    size_t operator()(const RenditionKey& k) const noexcept;
    size_t operator()(const ViewerKey& k) const noexcept;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<SessionKey, Session, Hash> sessions;
    std::unordered_map<DayKey, DayTotals, Hash> days;
    std::unordered_map<RenditionKey, RenditionTotals, Hash> renditions;
    std::unordered_set<ViewerKey, Hash> viewers;
  };
  static constexpr size_t kShards = 16;

  static bool session_over(const Session& s, int64_t now);

  size_t max_sessions_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace sg::streaming
