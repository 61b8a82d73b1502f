// plugins.streaming: manifest caching, playback token lifetimes, the content cache.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace sg::streaming {

struct StreamingConfig {
  int manifest_max_age_seconds = 2;
  // Playback tokens put in manifests and returned by /playback. 0 = automatic: the media's
  // duration + token_slack_seconds (so a film plays to its end on one manifest fetch), at
  // least 300 s; auth clamps every TTL to its playback_max_ttl_seconds.
  uint64_t token_ttl_seconds = 0;
  uint64_t token_slack_seconds = 600;
  // Cache-Control max-age of segments of non-public content (private).
  int private_segment_max_age_seconds = 3600;
  std::chrono::milliseconds content_cache_ttl{5000};
  size_t content_cache_max_entries = 10000;
  // chain_id -> name for the `required` object of a 403 (well-known chains built in;
  // `chain_names` in the config adds or overrides).
  std::map<uint64_t, std::string> chain_names;
  // Largest manifest rewritten in memory.
  size_t max_manifest_bytes = 4u << 20;

  // View analytics (analytics.enabled / analytics.flush_seconds): counted in memory on the
  // segment path, added to SQL in batches.
  bool analytics_enabled = true;
  std::chrono::seconds analytics_flush_interval{10};

  // The shareable watch page (GET /watch/{id}): the web app's index.html, "" = off.
  std::string watch_page;
  // Absolute base for og:image / og:url ("https://video.example.com"); "" = relative URLs.
  // Never derived from the request's Host header.
  std::string public_base_url;
  // The Content-Security-Policy of the watch page (the same one the gateway puts on HTML).
  std::string content_security_policy =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
      "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
      "base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
};

// Throws sg::Error(SG_ERR_INVALID) naming the key (plugins.streaming.<key>) on bad values.
StreamingConfig parse_config(const nlohmann::json& section);

// The TTL to ask auth for, for media of `duration_seconds`.
uint64_t token_ttl_for(const StreamingConfig& c, double duration_seconds);

}  // namespace sg::streaming
