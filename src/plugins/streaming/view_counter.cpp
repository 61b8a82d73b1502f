#include "view_counter.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

namespace sg::streaming {
namespace {

// A fast 64-bit mix over the key's bytes, eight at a time (the keys are plain structs of
// arrays and integers; a hash-flooding attacker controls none of their bytes directly: ids
// are checked UUIDs, viewer ids keyed hashes or addresses).
size_t mix(const void* data, size_t n, size_t seed = 0x9e3779b97f4a7c15ULL) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = seed ^ (n * 0xff51afd7ed558ccdULL);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p + i, n - i);
  h = (h ^ tail) * 0xff51afd7ed558ccdULL;
  h ^= h >> 32;
  return static_cast<size_t>(h);
}

template <typename A>
size_t mix_array(const A& a, size_t seed = 0x9e3779b97f4a7c15ULL) noexcept {
  return mix(a.data(), a.size(), seed);
}

size_t mix_int(int64_t v, size_t seed) noexcept {
  return mix(&v, sizeof v, seed);
}

template <typename K>
K fixed(std::string_view s) {
  K k{};
  std::memcpy(k.data(), s.data(), std::min(s.size(), k.size()));
  return k;
}

std::string text_of(const std::array<char, 8>& name) {
  return std::string(name.data(), strnlen(name.data(), name.size()));
}

std::string text_of(const std::array<char, 36>& id) {
  return std::string(id.data(), id.size());
}

}  // namespace

void ViewBatch::merge(const ViewBatch& o) {
  for (const auto& [k, v] : o.days) {
    auto& t = days[k];
    t.views += v.views;
    t.segments += v.segments;
    t.watch_ms += v.watch_ms;
  }
  for (const auto& [k, v] : o.renditions) {
    auto& t = renditions[k];
    t.segments += v.segments;
    t.watch_ms += v.watch_ms;
  }
  viewers.insert(o.viewers.begin(), o.viewers.end());
}

void ViewBatch::erase_content(std::string_view id) {
  std::erase_if(days, [&](const auto& e) { return e.first.first == id; });
  std::erase_if(renditions, [&](const auto& e) { return std::get<0>(e.first) == id; });
  std::erase_if(viewers, [&](const auto& e) { return std::get<0>(e) == id; });
}

size_t ViewCounter::Hash::operator()(const SessionKey& k) const noexcept {
  return mix(&k.session, sizeof k.session, mix_array(k.content));
}
size_t ViewCounter::Hash::operator()(const DayKey& k) const noexcept {
  return mix_int(k.day, mix_array(k.content));
}
size_t ViewCounter::Hash::operator()(const RenditionKey& k) const noexcept {
  return mix_array(k.name, mix_int(k.day, mix_array(k.content)));
}
size_t ViewCounter::Hash::operator()(const ViewerKey& k) const noexcept {
  return mix_array(k.viewer.bytes, mix_int(k.day, mix_array(k.content)));
}

ViewCounter::ViewCounter(size_t max_sessions)
    : max_sessions_per_shard_(std::max<size_t>(1, max_sessions / kShards)) {}

bool ViewCounter::session_over(const Session& s, int64_t now) {
  if (s.token) return now > s.expires_at;
  return now - s.last_seen > kSessionGapSeconds;
}

bool ViewCounter::record(const SegmentDelivery& d) {
  SessionKey key{fixed<ContentKey>(d.content_id), d.token_session};
  if (key.session == 0) {
    // Without a token the viewer is the session: its id's bytes are already a hash (or an
    // address), so the first eight make a well-spread key.
    std::memcpy(&key.session, d.viewer.bytes.data(), sizeof key.session);
    key.session ^= d.viewer.wallet ? 0x9e3779b97f4a7c15ULL : 0;
  }
  const int64_t day = utc_day(d.now);
  const uint64_t segment_key =
      (static_cast<uint64_t>(d.segment) << 32) ^ mix(d.rendition.data(), d.rendition.size());
  const int64_t watch_ms =
      d.adds_watch_time && d.seconds > 0 ? std::llround(d.seconds * 1000.0) : 0;
  const int64_t rendition_ms = d.seconds > 0 ? std::llround(d.seconds * 1000.0) : 0;

  Shard& shard = shards_[Hash{}(key) % kShards];
  std::lock_guard lock(shard.mu);
  auto it = shard.sessions.find(key);
  if (it == shard.sessions.end()) {
    if (shard.sessions.size() >= max_sessions_per_shard_) {
      std::erase_if(shard.sessions, [&](const auto& e) { return session_over(e.second, d.now); });
      if (shard.sessions.size() >= max_sessions_per_shard_) shard.sessions.clear();
    }
    it = shard.sessions.emplace(key, Session{}).first;
  } else if (!it->second.token && session_over(it->second, d.now)) {
    it->second = Session{};  // a viewer back after a 30-minute gap: a new session
  }
  Session& s = it->second;
  const bool new_view = s.view_day != day;
  if (!new_view && s.last_segment == segment_key) {
    s.last_seen = d.now;  // the same segment again at once: a retry, not more watching
    return false;
  }
  s.view_day = day;
  s.last_seen = d.now;
  s.last_segment = segment_key;
  s.token = d.token_session != 0;
  s.expires_at = d.token_expires_at;

  DayTotals& t = shard.days[DayKey{key.content, day}];
  t.segments += 1;
  t.watch_ms += watch_ms;
  RenditionTotals& r =
      shard.renditions[RenditionKey{key.content, day, fixed<NameKey>(d.rendition)}];
  r.segments += 1;
  r.watch_ms += rendition_ms;
  if (new_view) {
    t.views += 1;
    shard.viewers.insert(ViewerKey{key.content, day, d.viewer});
  }
  return new_view;
}

ViewBatch ViewCounter::drain(int64_t now) {
  ViewBatch batch;
  for (Shard& shard : shards_) {
    std::unordered_map<DayKey, DayTotals, Hash> days;
    std::unordered_map<RenditionKey, RenditionTotals, Hash> renditions;
    std::unordered_set<ViewerKey, Hash> viewers;
    {
      std::lock_guard lock(shard.mu);
      days.swap(shard.days);
      renditions.swap(shard.renditions);
      viewers.swap(shard.viewers);
      std::erase_if(shard.sessions, [&](const auto& e) { return session_over(e.second, now); });
    }
    // The strings are built here, on the flusher's thread, not on the segment path.
    for (const auto& [k, v] : days) {
      auto& t = batch.days[{text_of(k.content), k.day}];
      t.views += v.views;
      t.segments += v.segments;
      t.watch_ms += v.watch_ms;
    }
    for (const auto& [k, v] : renditions) {
      auto& t = batch.renditions[{text_of(k.content), k.day, text_of(k.name)}];
      t.segments += v.segments;
      t.watch_ms += v.watch_ms;
    }
    for (const auto& k : viewers)
      batch.viewers.insert({text_of(k.content), k.day, k.viewer.text()});
  }
  return batch;
}

void ViewCounter::forget_content(std::string_view content_id) {
  const ContentKey content = fixed<ContentKey>(content_id);
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    std::erase_if(shard.sessions, [&](const auto& e) { return e.first.content == content; });
    std::erase_if(shard.days, [&](const auto& e) { return e.first.content == content; });
    std::erase_if(shard.renditions, [&](const auto& e) { return e.first.content == content; });
    std::erase_if(shard.viewers, [&](const auto& e) { return e.content == content; });
  }
}

size_t ViewCounter::sessions() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.sessions.size();
  }
  return n;
}

}  // namespace sg::streaming
