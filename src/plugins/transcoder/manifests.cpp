#include "manifests.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sg::transcoder {

namespace {

// ---- numbers: integer arithmetic and std::to_chars only, so no locale and no float drift ----

template <typename Int>
std::string num(Int v) {
  static_assert(std::is_integral_v<Int>);
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;  // 24 chars hold any 64-bit integer
  return std::string(buf, end);
}

// Appends every piece to out. Used instead of "literal" + std::string chains: fewer
// temporaries, and GCC 12 reports a false -Wrestrict on those chains (GCC bug 105329).
template <typename... Pieces>
void add(std::string& out, const Pieces&... pieces) {
  (out.append(std::string_view(pieces)), ...);
}

enum class Round { nearest, up };

// value/den expressed in units of 1/unit (e.g. unit 1'000'000 = microseconds), rounded.
// Split into whole and remainder so value*unit never overflows for long durations or
// nanosecond timescales.
int64_t scaled(int64_t value, int64_t den, int64_t unit, Round round) {
  const int64_t whole = value / den;
  const int64_t rem = value % den;  // < den <= 2^32, so rem*unit fits for unit <= 10^6
  int64_t frac = rem * unit / den;
  const int64_t left = rem * unit % den;
  if (round == Round::up ? left > 0 : 2 * left >= den) ++frac;
  return whole * unit + frac;
}

// v (in 1/10^decimals) as "<int>.<decimals digits>".
std::string decimal(int64_t v, int decimals) {
  int64_t unit = 1;
  for (int i = 0; i < decimals; ++i) unit *= 10;
  const std::string frac = num(v % unit);
  std::string out = num(v / unit);
  out += '.';
  out.append(static_cast<size_t>(decimals) - frac.size(), '0');
  out += frac;
  return out;
}

// xs:duration of a millisecond count, the form DASH tools write: PT1H2M3.500S.
std::string xs_duration(int64_t ms) {
  const int64_t h = ms / 3'600'000, m = ms / 60'000 % 60;
  std::string out = "PT";
  if (h > 0) add(out, num(h), "H");
  if (h > 0 || m > 0) add(out, num(m), "M");
  add(out, decimal(ms % 60'000, 3), "S");
  return out;
}

// ---- validation ------------------------------------------------------------------------

template <typename... Pieces>
[[noreturn]] void bad(const Pieces&... pieces) {
  std::string what;
  add(what, pieces...);
  throw std::invalid_argument(what);
}

void check_rendition(const Rendition& r) {
  if (!is_valid_rendition_id(r.id)) bad("rendition id is not a safe path segment: '", r.id, "'");
  if (r.timescale == 0) bad("rendition ", r.id, ": timescale 0");
  if (r.segments.empty()) bad("rendition ", r.id, ": no segments");
  for (const auto& s : r.segments)
    if (s.duration <= 0) bad("rendition ", r.id, ": segment with duration <= 0");
  if (r.codecs.empty()) bad("rendition ", r.id, ": no codecs string");
  if (r.kind == Rendition::Kind::video && (r.width <= 0 || r.height <= 0))
    bad("rendition ", r.id, ": no resolution");
}

// RFC 8216 4.2: a quoted-string cannot contain '"', CR or LF, and has no escape mechanism.
const std::string& hls_quoted(const std::string& v) {
  if (v.find_first_of("\"\r\n") != std::string::npos)
    bad("value cannot be an HLS quoted-string: ", v);
  return v;
}

// XML attribute value (inside double quotes). Tab/CR/LF are written as references because
// attribute-value normalisation would turn them into spaces; other C0 controls are not
// allowed in XML 1.0 at all.
std::string xml_attr(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
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
        out += "&apos;";
        break;
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) bad("control character in an XML value");
        out += c;
    }
  }
  return out;
}

// ---- shared facts ----------------------------------------------------------------------

// EXTINF value in microseconds: the number printed, so TARGETDURATION is derived from
// exactly what players read.
int64_t extinf_us(const SegmentInfo& s, uint32_t timescale) {
  return scaled(s.duration, timescale, 1'000'000, Round::nearest);
}

int64_t total_ticks(const Rendition& r) {
  int64_t t = 0;
  for (const auto& s : r.segments) t += s.duration;
  return t;
}

// num/den as DASH FrameRateType: "30" when whole, else "30000/1001".
std::string dash_frame_rate(int n, int d) {
  return n % d == 0 ? num(n / d) : num(n) + "/" + num(d);
}

bool has_frame_rate(const Rendition& r) {
  return r.frame_rate_num > 0 && r.frame_rate_den > 0;
}

std::string hls_uri(const Rendition& r) {
  return r.id + "/" + kMediaPlaylistName;
}

}  // namespace

bool is_valid_rendition_id(std::string_view id) {
  if (id.empty() || id.size() > 64 || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// ---- HLS -------------------------------------------------------------------------------

std::string hls_master_playlist(const MediaSet& set) {
  if (set.video.empty() && !set.audio) bad("media set has no renditions");
  const Rendition* audio = set.audio ? &*set.audio : nullptr;
  if (audio) check_rendition(*audio);

  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  if (set.video.empty()) {
    // Audio only: the audio playlist is the one variant (a group would have no variant).
    add(out, "#EXT-X-STREAM-INF:BANDWIDTH=", num(audio->peak_bitrate()),
        ",AVERAGE-BANDWIDTH=", num(audio->average_bitrate()), ",CODECS=\"",
        hls_quoted(audio->codecs), "\"\n", hls_uri(*audio), "\n");
    return out;
  }
  if (audio) {
    add(out,
        "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"default\",DEFAULT=YES,AUTOSELECT=YES");
    if (audio->channels > 0) add(out, ",CHANNELS=\"", num(audio->channels), "\"");
    add(out, ",URI=\"", hls_uri(*audio), "\"\n");
  }
  for (const auto& v : set.video) {
    check_rendition(v);
    uint64_t peak = v.peak_bitrate(), average = v.average_bitrate();
    std::string codecs = hls_quoted(v.codecs);
    if (audio) {
      peak += audio->peak_bitrate();
      average += audio->average_bitrate();
      add(codecs, ",", hls_quoted(audio->codecs));
    }
    add(out, "#EXT-X-STREAM-INF:BANDWIDTH=", num(peak), ",AVERAGE-BANDWIDTH=", num(average),
        ",CODECS=\"", codecs, "\",RESOLUTION=", num(v.width), "x", num(v.height));
    if (has_frame_rate(v))
      add(out, ",FRAME-RATE=",
          decimal(scaled(v.frame_rate_num, v.frame_rate_den, 1000, Round::nearest), 3));
    if (audio) add(out, ",AUDIO=\"audio\"");
    add(out, "\n", hls_uri(v), "\n");
  }
  return out;
}

std::string hls_media_playlist(const Rendition& r) {
  check_rendition(r);
  int64_t longest_us = 0;
  for (const auto& s : r.segments) longest_us = std::max(longest_us, extinf_us(s, r.timescale));
  // RFC 8216 4.3.3.1 only requires round(EXTINF) <= TARGETDURATION; the ceiling meets that and
  // also players that treat the target as a hard maximum (it is what ffmpeg and Shaka write).
  const int64_t target = (longest_us + 999'999) / 1'000'000;

  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n";
  // Media sequence numbers start at 1 like the file names and DASH's startNumber, so
  // segment N is the same file in every manifest.
  add(out, "#EXT-X-TARGETDURATION:", num(target),
      "\n#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n",
      "#EXT-X-MAP:URI=\"", kInitName, "\"\n");
  for (size_t i = 0; i < r.segments.size(); ++i)
    add(out, "#EXTINF:", decimal(extinf_us(r.segments[i], r.timescale), 6), ",\n",
        segment_name(i + 1), "\n");
  add(out, "#EXT-X-ENDLIST\n");
  return out;
}

// ---- DASH ------------------------------------------------------------------------------

namespace {

// <S> elements: a run of equal, back-to-back durations becomes one S with @r (repeats after
// the first). @t only where the timeline starts or jumps (a gap in the segment starts).
void add_segment_timeline(std::string& out, const Rendition& r, std::string_view indent) {
  add(out, indent, "<SegmentTimeline>\n");
  bool first_s = true;
  int64_t expected_start = 0;
  for (size_t i = 0; i < r.segments.size();) {
    const auto& first = r.segments[i];
    size_t run = 1;
    while (i + run < r.segments.size() && r.segments[i + run].duration == first.duration &&
           r.segments[i + run].start == first.start + static_cast<int64_t>(run) * first.duration)
      ++run;
    add(out, indent, "  <S");
    if (first_s || first.start != expected_start) add(out, " t=\"", num(first.start), "\"");
    add(out, " d=\"", num(first.duration), "\"");
    if (run > 1) add(out, " r=\"", num(run - 1), "\"");
    add(out, "/>\n");
    first_s = false;
    expected_start = first.start + static_cast<int64_t>(run) * first.duration;
    i += run;
  }
  add(out, indent, "</SegmentTimeline>\n");
}

// Per Representation because timescale and timeline are per rendition; the URLs use
// $RepresentationID$, which is the folder name (ids are checked to be safe path segments).
void add_segment_template(std::string& out, const Rendition& r) {
  add(out, "        <SegmentTemplate timescale=\"", num(r.timescale),
      "\" initialization=\"$RepresentationID$/", kInitName,
      "\" media=\"$RepresentationID$/seg-$Number%05d$.m4s\" startNumber=\"1\">\n");
  add_segment_timeline(out, r, "          ");
  add(out, "        </SegmentTemplate>\n");
}

}  // namespace

std::string dash_manifest(const MediaSet& set) {
  std::vector<const Rendition*> all;
  for (const auto& v : set.video) all.push_back(&v);
  if (set.audio) all.push_back(&*set.audio);
  if (all.empty()) bad("media set has no renditions");
  for (const auto* r : all) check_rendition(*r);

  // Durations from the timelines themselves, so the MPD agrees with its own segments.
  int64_t presentation_ms = 0, longest_segment_ms = 0;
  for (const auto* r : all) {
    presentation_ms =
        std::max(presentation_ms, scaled(total_ticks(*r), r->timescale, 1000, Round::nearest));
    for (const auto& s : r->segments)
      longest_segment_ms =
          std::max(longest_segment_ms, scaled(s.duration, r->timescale, 1000, Round::up));
  }

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  add(out,
      "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" "
      "profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" type=\"static\" "
      "mediaPresentationDuration=\"",
      xs_duration(presentation_ms), "\" minBufferTime=\"", xs_duration(longest_segment_ms),
      "\">\n  <Period id=\"0\" start=\"PT0S\">\n");

  int set_id = 0;
  if (!set.video.empty()) {
    int max_w = 0, max_h = 0;
    const Rendition* fastest = nullptr;  // highest frame rate, compared as fractions
    for (const auto& v : set.video) {
      max_w = std::max(max_w, v.width);
      max_h = std::max(max_h, v.height);
      if (has_frame_rate(v) &&
          (!fastest || int64_t{v.frame_rate_num} * fastest->frame_rate_den >
                           int64_t{fastest->frame_rate_num} * v.frame_rate_den))
        fastest = &v;
    }
    add(out, "    <AdaptationSet id=\"", num(set_id++),
        "\" contentType=\"video\" mimeType=\"video/mp4\" segmentAlignment=\"true\" "
        "startWithSAP=\"1\" maxWidth=\"",
        num(max_w), "\" maxHeight=\"", num(max_h), "\"");
    if (fastest)
      add(out, " maxFrameRate=\"",
          dash_frame_rate(fastest->frame_rate_num, fastest->frame_rate_den), "\"");
    add(out, ">\n");
    for (const auto& v : set.video) {
      add(out, "      <Representation id=\"", xml_attr(v.id), "\" codecs=\"", xml_attr(v.codecs),
          "\" bandwidth=\"", num(v.peak_bitrate()), "\" width=\"", num(v.width), "\" height=\"",
          num(v.height), "\"");
      if (has_frame_rate(v))
        add(out, " frameRate=\"", dash_frame_rate(v.frame_rate_num, v.frame_rate_den), "\"");
      add(out, " sar=\"1:1\">\n");
      add_segment_template(out, v);
      add(out, "      </Representation>\n");
    }
    add(out, "    </AdaptationSet>\n");
  }
  if (set.audio) {
    const Rendition& a = *set.audio;
    add(out, "    <AdaptationSet id=\"", num(set_id++),
        "\" contentType=\"audio\" mimeType=\"audio/mp4\" lang=\"und\" "
        "segmentAlignment=\"true\" startWithSAP=\"1\">\n"
        "      <Representation id=\"",
        xml_attr(a.id), "\" codecs=\"", xml_attr(a.codecs), "\" bandwidth=\"",
        num(a.peak_bitrate()), "\"");
    if (a.sample_rate > 0) add(out, " audioSamplingRate=\"", num(a.sample_rate), "\"");
    add(out, ">\n");
    if (a.channels > 0)
      add(out,
          "        <AudioChannelConfiguration "
          "schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"",
          num(a.channels), "\"/>\n");
    add_segment_template(out, a);
    add(out, "      </Representation>\n    </AdaptationSet>\n");
  }
  add(out, "  </Period>\n</MPD>\n");
  return out;
}

}  // namespace sg::transcoder
