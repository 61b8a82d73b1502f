#include "watch_page.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "posix/fd.hpp"

namespace sg::streaming {
namespace {

constexpr std::string_view kSiteName = "StreamGate";
constexpr size_t kMaxDescriptionBytes = 300;

// At most `limit` bytes of UTF-8 text, cut on a character boundary (with an ellipsis).
std::string clip_utf8(std::string_view s, size_t limit) {
  if (s.size() <= limit) return std::string(s);
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end)) + "\u2026";
}

void meta(std::string& out, std::string_view attr, std::string_view name, std::string_view value) {
  out += "<meta ";
  out += attr;
  out += "=\"";
  out += name;
  out += "\" content=\"";
  out += html_escape(value);
  out += "\">\n";
}

size_t find_ascii_ci(std::string_view hay, std::string_view needle, size_t from = 0) {
  if (needle.size() > hay.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
    bool eq = true;
    for (size_t j = 0; j < needle.size() && eq; ++j) {
      char a = hay[i + j];
      if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
      eq = a == needle[j];
    }
    if (eq) return i;
  }
  return std::string_view::npos;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string watch_head_tags(const ContentInfo* c, std::string_view base_url) {
  const bool named = c != nullptr && c->exists && c->visibility == "public" && c->status == "ready";
  std::string out;
  std::string title = named && !c->title.empty() ? c->title : std::string(kSiteName);
  std::string description = named ? clip_utf8(c->description, kMaxDescriptionBytes)
                                  : std::string("Watch videos on ") + std::string(kSiteName);
  if (named && description.empty()) description = "A video on " + std::string(kSiteName);
  out += "<title>" + html_escape(title) + "</title>\n";
  meta(out, "property", "og:site_name", kSiteName);
  meta(out, "property", "og:title", title);
  meta(out, "property", "og:description", description);
  meta(out, "property", "og:type", named ? "video.other" : "website");
  std::string image;
  if (named && c->has_poster) {
    image = std::string(base_url) + "/stream/" + c->id + "/poster.jpg";
    meta(out, "property", "og:image", image);
  }
  if (named && !base_url.empty())
    meta(out, "property", "og:url", std::string(base_url) + "/watch/" + c->id);
  meta(out, "name", "twitter:card", image.empty() ? "summary" : "summary_large_image");
  meta(out, "name", "twitter:title", title);
  meta(out, "name", "twitter:description", description);
  if (!image.empty()) meta(out, "name", "twitter:image", image);
  return out;
}

std::string render_watch_page(std::string_view page, std::string_view tags) {
  std::string text(page);
  // The app's own <title> would come first or second depending on where it sits: drop it.
  if (size_t open = find_ascii_ci(text, "<title"); open != std::string::npos) {
    size_t close = find_ascii_ci(text, "</title>", open);
    if (close != std::string::npos) text.erase(open, close + 8 - open);
  }
  size_t at = text.find(kHeadMarker);
  if (at != std::string::npos) {
    text.replace(at, kHeadMarker.size(), tags);
    return text;
  }
  at = find_ascii_ci(text, "</head>");
  text.insert(at == std::string::npos ? 0 : at, tags);
  return text;
}

std::shared_ptr<const std::string> WatchPage::load(std::string* why) {
  struct stat st {};
  auto fail = [&](const std::string& reason) -> std::shared_ptr<const std::string> {
    if (why != nullptr) *why = reason;
    return nullptr;
  };
  if (::stat(path_.c_str(), &st) != 0) return fail(path_ + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail(path_ + ": not a regular file");
  if (static_cast<size_t>(st.st_size) > kMaxBytes) return fail(path_ + ": larger than 4 MiB");
  const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                        static_cast<int64_t>(st.st_mtim.tv_nsec);
  {
    std::lock_guard lock(mu_);
    if (text_ && mtime == mtime_ns_ && static_cast<int64_t>(st.st_size) == size_) return text_;
  }
  sg::posix::Fd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail(path_ + ": " + std::strerror(errno));
  auto text = std::make_shared<std::string>();
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(path_ + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    text->append(buf, static_cast<size_t>(n));
    if (text->size() > kMaxBytes) return fail(path_ + ": larger than 4 MiB");
  }
  std::lock_guard lock(mu_);
  text_ = text;
  mtime_ns_ = mtime;
  size_ = static_cast<int64_t>(st.st_size);
  return text_;
}

}  // namespace sg::streaming
