// What the streaming path needs to know about a content (status, visibility, gate, owner,
// media paths), kept in process so segment requests never wait on the database. Entries are
// dropped by `content.updated` / `content.deleted` (this process, and others through a shared
// bus) and expire after a short TTL as a bound for changes no event announced.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace sg::streaming {

// Small manifest files (playlists, MPD, VTT) by relative path, read once per record copy.
class ManifestTexts {
 public:
  std::shared_ptr<const std::string> find(const std::string& relative) const {
    std::lock_guard lock(mu_);
    auto it = texts_.find(relative);
    return it == texts_.end() ? nullptr : it->second;
  }
  void put(const std::string& relative, std::shared_ptr<const std::string> text) {
    std::lock_guard lock(mu_);
    if (texts_.size() < 64) texts_[relative] = std::move(text);
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> texts_;
};

// A rendition as the transcoder recorded it (the record's `renditions`), for watch time.
struct RenditionInfo {
  std::string name;  // "720p", "audio"
  bool audio = false;
  int64_t segments = 0;
};

struct ContentInfo {
  std::string id;
  bool exists = false;  // false: the catalogue has no such content (cached 404)
  std::string owner;
  std::string status;  // uploading | processing | ready | failed
  std::string status_reason;
  std::string visibility;  // public | signed_in | token_gated
  nlohmann::json gate;     // the NFT rule for token_gated, null otherwise
  double duration = 0;     // seconds, 0 when unknown
  bool has_poster = false;
  bool has_storyboard = false;
  std::string title;  // for the watch page's tags (public ready content only)
  std::string description;
  double segment_seconds = 0;  // media.segment_seconds: every segment but the last
  std::vector<RenditionInfo> renditions;
  uint64_t stamp = 0;  // metadata's change stamp read before the record (see metadata.h)
  // Manifest texts read from this content's media folder, kept with this copy of the record:
  // a republished set comes with a record change, hence a new copy and an empty holder.
  std::shared_ptr<class ManifestTexts> manifests = std::make_shared<ManifestTexts>();
};

// The record's fields the streaming path uses (metadata v1 record shape).
ContentInfo content_info_from_record(const nlohmann::json& record);

// How many seconds segment `number` (1-based) of `rendition` lasts: segment_seconds, the
// last one what is left of the duration. 0 when the record does not say (not a rendition
// of the record, or media info missing).
double segment_duration(const ContentInfo& content, std::string_view rendition, int64_t number);
// Whether the content has a video rendition (watch time then comes from video segments only,
// so a viewer's audio and video of the same seconds are not added twice).
bool has_video(const ContentInfo& content);

class ContentCache {
 public:
  using Clock = std::chrono::steady_clock;
  ContentCache(std::chrono::milliseconds ttl, size_t max_entries)
      : ttl_(ttl), max_entries_(max_entries) {}

  void configure(std::chrono::milliseconds ttl, size_t max_entries) {
    std::lock_guard lock(mu_);
    ttl_ = ttl;
    max_entries_ = max_entries;
    entries_.clear();
  }

  // The entry when present and younger than the TTL.
  std::shared_ptr<const ContentInfo> find(const std::string& id) const;
  void put(std::shared_ptr<const ContentInfo> info);
  void invalidate(const std::string& id);
  // Bumps the generation so a lookup that started before an invalidation does not store
  // what it read (it may predate the change).
  uint64_t generation() const;
  void put_if_current(std::shared_ptr<const ContentInfo> info, uint64_t generation);
  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const ContentInfo> info;
    Clock::time_point stored;
  };
  void put_locked(std::shared_ptr<const ContentInfo> info);

  std::chrono::milliseconds ttl_;
  size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  uint64_t generation_ = 0;
};

}  // namespace sg::streaming
