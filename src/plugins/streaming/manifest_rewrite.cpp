#include "manifest_rewrite.hpp"

namespace sg::streaming {
namespace {

// `uri` with the token added to its query, before any fragment. `amp` is how '&' is written
// (XML needs "&amp;").
void append_uri(std::string& out, std::string_view uri, std::string_view token,
                std::string_view amp) {
  size_t hash = uri.find('#');
  std::string_view base = uri.substr(0, hash);
  out.append(base);
  out.append(base.find('?') == std::string_view::npos ? "?" : amp);
  out.append("token=");
  out.append(token);
  if (hash != std::string_view::npos) out.append(uri.substr(hash));
}

bool is_absolute_or_data(std::string_view uri) {
  return uri.starts_with("data:") || uri.find("://") != std::string_view::npos;
}

// Rewrites each `name="value"` attribute (quoted with `quote`) found in `text`.
std::string rewrite_attributes(std::string_view text, std::string_view name, char quote,
                               std::string_view token, std::string_view amp) {
  std::string out;
  out.reserve(text.size() + 64);
  std::string needle = std::string(name) + "=" + quote;
  size_t pos = 0;
  while (true) {
    size_t at = text.find(needle, pos);
    if (at == std::string_view::npos) break;
    // A whole attribute name: preceded by a separator, not the tail of a longer name.
    bool whole = at == 0 || text[at - 1] == ' ' || text[at - 1] == ',' || text[at - 1] == ':' ||
                 text[at - 1] == '\t' || text[at - 1] == '\n';
    size_t value_start = at + needle.size();
    size_t value_end = text.find(quote, value_start);
    if (value_end == std::string_view::npos) break;
    out.append(text.substr(pos, value_start - pos));
    std::string_view value = text.substr(value_start, value_end - value_start);
    if (whole && !value.empty() && !is_absolute_or_data(value))
      append_uri(out, value, token, amp);
    else
      out.append(value);
    pos = value_end;
  }
  out.append(text.substr(pos));
  return out;
}

// Calls `fn(out, line)` for each line of `text` (without its "\n" or "\r\n", which are kept
// as they were) and returns what it appended.
template <typename Fn>
std::string map_lines(std::string_view text, Fn fn) {
  std::string out;
  out.reserve(text.size() + 64);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    size_t end = eol == std::string_view::npos ? text.size() : eol;
    std::string_view line = text.substr(pos, end - pos);
    const bool cr = !line.empty() && line.back() == '\r';
    if (cr) line.remove_suffix(1);
    fn(out, line);
    if (cr) out.push_back('\r');
    if (eol != std::string_view::npos) out.push_back('\n');
    pos = end + 1;
  }
  return out;
}

}  // namespace

std::string rewrite_hls(std::string_view playlist, std::string_view token) {
  return map_lines(playlist, [&](std::string& out, std::string_view line) {
    if (line.empty()) {
      // blank lines stay
    } else if (line.front() == '#') {
      if (line.find("URI=\"") != std::string_view::npos)
        out.append(rewrite_attributes(line, "URI", '"', token, "&"));
      else
        out.append(line);
    } else if (is_absolute_or_data(line)) {
      out.append(line);
    } else {
      append_uri(out, line, token, "&");
    }
  });
}

std::string rewrite_mpd(std::string_view mpd, std::string_view token) {
  std::string a = rewrite_attributes(mpd, "media", '"', token, "&amp;");
  std::string b = rewrite_attributes(a, "initialization", '"', token, "&amp;");
  // <BaseURL>x/</BaseURL>: a directory carries no query (a query on it is dropped when
  // relative URIs resolve against it), so only file BaseURLs would need one; the transcoder
  // writes none. Left untouched on purpose.
  return b;
}

std::string rewrite_vtt(std::string_view vtt, std::string_view token) {
  return map_lines(vtt, [&](std::string& out, std::string_view line) {
    // A cue payload naming an image: "<file>.jpg#xywh=..." (no spaces, no cue timing arrow).
    bool image_ref = line.find("#xywh=") != std::string_view::npos &&
                     line.find(' ') == std::string_view::npos && !is_absolute_or_data(line);
    if (image_ref)
      append_uri(out, line, token, "&");
    else
      out.append(line);
  });
}

}  // namespace sg::streaming
