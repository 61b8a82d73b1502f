// The streaming plugin's shared state: config, the media folder, the content cache, the
// services it uses, the latest transcode progress per content, metrics.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <streamgate/plugin.hpp>
#include <streamgate/services/auth.hpp>
#include <streamgate/services/metadata.hpp>

#include "analytics.hpp"
#include "config.hpp"
#include "content_cache.hpp"
#include "safe_open.hpp"
#include "token_cache.hpp"
#include "watch_page.hpp"

namespace sg::streaming {

struct TranscodeProgress {
  int percent = 0;
  std::string message;
};

// The last transcode.progress of each content still processing (this process's transcodes,
// or every instance's through a shared bus).
class ProgressBoard {
 public:
  void set(const std::string& id, TranscodeProgress p) {
    std::lock_guard lock(mu_);
    if (board_.size() < 10000 || board_.contains(id)) board_[id] = std::move(p);
  }
  void erase(const std::string& id) {
    std::lock_guard lock(mu_);
    board_.erase(id);
  }
  std::optional<TranscodeProgress> get(const std::string& id) const {
    std::lock_guard lock(mu_);
    auto it = board_.find(id);
    if (it == board_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, TranscodeProgress> board_;
};

// streamgate_stream_segments_total{rendition}: one counter per rendition name, made on first
// use. The names are the transcoder's ladder (bounded by the media path's allow-list and
// the record); past kMaxRenditionLabels distinct names the rest count under "other".
class RenditionCounters {
 public:
  static constexpr size_t kMaxRenditionLabels = 32;
  void add(Host host, std::string_view rendition) {
    Metric m;
    {
      std::lock_guard lock(mu_);
      auto it = counters_.find(rendition);
      if (it == counters_.end()) {
        std::string name =
            counters_.size() < kMaxRenditionLabels ? std::string(rendition) : std::string("other");
        Metric made =
            host.counter("streamgate_stream_segments_total",
                         "Media segments delivered, by rendition", "rendition=\"" + name + "\"");
        it = counters_.emplace(name, made).first;
      }
      m = it->second;
    }
    m.add();
  }

 private:
  std::mutex mu_;
  std::map<std::string, Metric, std::less<>> counters_;
};

struct Metrics {
  Host host;
  Metric manifests_rewritten;
  Metric files_served;
  Metric cache_misses;
  Metric views;          // streamgate_stream_views_total
  Metric watch_seconds;  // streamgate_stream_watch_seconds_total
  RenditionCounters segments;
  Metric denied(const std::string& code) const {
    return host.counter("streamgate_stream_denied_total",
                        "Streaming and playback requests refused, by error code",
                        "code=\"" + code + "\"");
  }
};

struct Context {
  Host host;
  StreamingConfig config;
  Fd media_root;  // <data_dir>/media, the anchor of every file opened
  ContentCache cache{std::chrono::milliseconds(5000), 10000};
  metadata::Client metadata;
  auth::Client auth;  // empty: only public content plays
  std::map<uint64_t, std::string> chain_names;
  ProgressBoard progress;
  VerifiedTokens tokens;
  Metrics metrics;
  std::unique_ptr<Analytics> analytics;   // null when plugins.streaming.analytics.enabled is false
  std::unique_ptr<WatchPage> watch_page;  // null when plugins.streaming.watch_page is ""
};

}  // namespace sg::streaming
