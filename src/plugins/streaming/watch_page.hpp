// The shareable watch page (GET /watch/{id}): the web app's index.html with Open Graph and
// Twitter tags for link previews inserted at its <!--sg:head--> marker. Named tags (title,
// description, poster) only for public ready content; anything else — gated, signed-in only,
// unknown, not ready — gets the same page with generic tags, so a link never leaks a private
// title and the app shows the right panel. Every inserted value is HTML-escaped.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "content_cache.hpp"

namespace sg::streaming {

constexpr std::string_view kHeadMarker = "<!--sg:head-->";

// & < > " ' as entities: safe inside element text and quoted attribute values.
std::string html_escape(std::string_view text);

// The tags for `content` (null or not public-and-ready: the generic ones). `base_url` ("" or
// "https://host") makes og:image and og:url absolute; never the request's Host header.
std::string watch_head_tags(const ContentInfo* content, std::string_view base_url);

// `page` with `tags` at the marker (else before </head>, else at the start). The page's own
// <title> element, if any, is dropped: the tags carry the title.
std::string render_watch_page(std::string_view page, std::string_view tags);

// The index.html on disk, re-read when its modification time or size changes (the app may be
// rebuilt while the server runs). Blocking (stat, read): blocking pool only.
class WatchPage {
 public:
  static constexpr size_t kMaxBytes = 4u << 20;
  explicit WatchPage(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }
  // The current text; nullptr when the file is missing, unreadable or too large (why in *why).
  std::shared_ptr<const std::string> load(std::string* why = nullptr);

 private:
  std::string path_;
  std::mutex mu_;
  std::shared_ptr<const std::string> text_;
  int64_t mtime_ns_ = -1;
  int64_t size_ = -1;
};

}  // namespace sg::streaming
