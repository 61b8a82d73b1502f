#include "content_cache.hpp"

namespace sg::streaming {

ContentInfo content_info_from_record(const nlohmann::json& r) {
  auto str = [&](const char* key) {
    auto it = r.find(key);
    return it != r.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  ContentInfo c;
  c.exists = true;
  c.id = str("id");
  c.owner = str("owner");
  c.status = str("status");
  c.status_reason = str("status_reason");
  c.visibility = str("visibility");
  if (auto g = r.find("gate"); g != r.end() && g->is_object()) c.gate = *g;
  c.has_poster = r.contains("poster") && r["poster"].is_string();
  if (auto m = r.find("media"); m != r.end() && m->is_object()) {
    if (auto d = m->find("duration"); d != m->end() && d->is_number())
      c.duration = d->get<double>();
    c.has_storyboard = m->contains("storyboard") && (*m)["storyboard"].is_object();
    if (auto ss = m->find("segment_seconds"); ss != m->end() && ss->is_number())
      c.segment_seconds = ss->get<double>();
  }
  c.title = str("title");
  c.description = str("description");
  if (auto rs = r.find("renditions"); rs != r.end() && rs->is_array()) {
    for (const auto& x : *rs) {
      if (!x.is_object() || !x.contains("id") || !x["id"].is_string()) continue;
      RenditionInfo ri;
      ri.name = x["id"].get<std::string>();
      ri.audio = x.value("type", "") == "audio";
      if (auto n = x.find("segments"); n != x.end() && n->is_number_integer())
        ri.segments = n->get<int64_t>();
      c.renditions.push_back(std::move(ri));
    }
  }
  return c;
}

double segment_duration(const ContentInfo& c, std::string_view rendition, int64_t number) {
  if (c.segment_seconds <= 0 || number < 1) return 0;
  for (const auto& r : c.renditions) {
    if (r.name != rendition) continue;
    if (r.segments <= 0 || number > r.segments) return 0;
    if (number < r.segments) return c.segment_seconds;
    double rest = c.duration - c.segment_seconds * static_cast<double>(r.segments - 1);
    // The duration is the longest stream's; a rendition's last segment cannot exceed a full one.
    if (rest <= 0) return 0;
    return rest < c.segment_seconds ? rest : c.segment_seconds;
  }
  return 0;
}

bool has_video(const ContentInfo& c) {
  for (const auto& r : c.renditions)
    if (!r.audio) return true;
  return false;
}

std::shared_ptr<const ContentInfo> ContentCache::find(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end() || Clock::now() - it->second.stored > ttl_) return nullptr;
  return it->second.info;
}

void ContentCache::put(std::shared_ptr<const ContentInfo> info) {
  std::lock_guard lock(mu_);
  put_locked(std::move(info));
}

void ContentCache::put_if_current(std::shared_ptr<const ContentInfo> info, uint64_t generation) {
  std::lock_guard lock(mu_);
  if (generation == generation_) put_locked(std::move(info));
}

void ContentCache::put_locked(std::shared_ptr<const ContentInfo> info) {
  if (entries_.size() >= max_entries_) {
    auto now = Clock::now();
    std::erase_if(entries_, [&](const auto& e) { return now - e.second.stored > ttl_; });
    // Still full of live entries: start over rather than track recency on the hot path.
    if (entries_.size() >= max_entries_) entries_.clear();
  }
  std::string id = info->id;
  entries_[id] = Entry{std::move(info), Clock::now()};
}

void ContentCache::invalidate(const std::string& id) {
  std::lock_guard lock(mu_);
  entries_.erase(id);
  ++generation_;
}

uint64_t ContentCache::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

size_t ContentCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace sg::streaming
