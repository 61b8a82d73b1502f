#include "config.hpp"

#include <charconv>
#include <set>
#include <stdexcept>

#include <streamgate/plugin.hpp>

namespace sg::transcoder {
namespace {

constexpr const char* kPrefix = "plugins.transcoder.";

[[noreturn]] void bad(const std::string& key, const std::string& why) {
  throw Error(SG_ERR_INVALID, kPrefix + key + ": " + why);
}

double number(const nlohmann::json& j, const std::string& key, double lo, double hi) {
  if (!j.is_number()) bad(key, "must be a number");
  double v = j.get<double>();
  if (!(v >= lo && v <= hi))
    bad(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return v;
}

int integer(const nlohmann::json& j, const std::string& key, int lo, int hi) {
  if (!j.is_number_integer()) bad(key, "must be an integer");
  auto v = j.get<int64_t>();
  if (v < lo || v > hi)
    bad(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return static_cast<int>(v);
}

int64_t bitrate(const nlohmann::json& j, const std::string& key, int64_t lo, int64_t hi) {
  int64_t v = 0;
  try {
    v = parse_bitrate(j);
  } catch (const std::invalid_argument& e) {
    bad(key, e.what());
  }
  if (v < lo || v > hi)
    bad(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " bits/s");
  return v;
}

std::vector<RungConfig> default_ladder() {
  return {{1080, 5'000'000}, {720, 2'800'000}, {480, 1'400'000}, {360, 800'000}};
}

const std::set<std::string>& presets() {
  static const std::set<std::string> p{"ultrafast", "superfast", "veryfast", "faster",  "fast",
                                       "medium",    "slow",      "slower",   "veryslow"};
  return p;
}

}  // namespace

int64_t parse_bitrate(const nlohmann::json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number()) return static_cast<int64_t>(value.get<double>());
  if (!value.is_string()) throw std::invalid_argument("must be bits/s, e.g. 2800000 or \"2800k\"");
  const std::string s = value.get<std::string>();
  double n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end == s.data())
    throw std::invalid_argument("must be bits/s, e.g. 2800000 or \"2800k\"");
  std::string_view suffix(end, static_cast<size_t>(s.data() + s.size() - end));
  double scale = 1;
  if (suffix == "k" || suffix == "K") {
    scale = 1e3;
  } else if (suffix == "m" || suffix == "M") {
    scale = 1e6;
  } else if (!suffix.empty()) {
    throw std::invalid_argument("unknown unit \"" + std::string(suffix) + "\" (use k or M)");
  }
  return static_cast<int64_t>(n * scale);
}

TranscoderConfig parse_config(const nlohmann::json& section) {
  TranscoderConfig c;
  c.ladder = default_ladder();
  if (section.is_null()) return c;
  if (!section.is_object()) throw Error(SG_ERR_INVALID, "plugins.transcoder: must be a mapping");
  static const std::set<std::string> known{"ladder",
                                           "audio_bitrate",
                                           "preset",
                                           "segment_seconds",
                                           "max_frame_rate",
                                           "max_duration_seconds",
                                           "max_pixels",
                                           "max_input_bitrate",
                                           "max_jobs",
                                           "parallel_rungs",
                                           "threads_per_rung",
                                           "nice",
                                           "storyboard_interval_seconds",
                                           "storyboard_tile_width",
                                           "storyboard_max_tiles",
                                           "storyboard_columns",
                                           "keep_source"};
  for (const auto& [key, value] : section.items())
    if (!known.contains(key)) bad(key, "unknown key");

  if (section.contains("ladder")) {
    const auto& l = section["ladder"];
    if (!l.is_array() || l.empty() || l.size() > 8)
      bad("ladder", "must be a list of 1 to 8 rungs ({height, video_bitrate})");
    c.ladder.clear();
    for (size_t i = 0; i < l.size(); ++i) {
      const std::string key = "ladder[" + std::to_string(i) + "]";
      if (!l[i].is_object() || !l[i].contains("height") || !l[i].contains("video_bitrate"))
        bad(key, "must be a mapping with height and video_bitrate");
      for (const auto& [k, v] : l[i].items())
        if (k != "height" && k != "video_bitrate") bad(key + "." + k, "unknown key");
      RungConfig r;
      r.height = integer(l[i]["height"], key + ".height", 64, 4320);
      if (r.height % 2 != 0) bad(key + ".height", "must be even");
      r.video_bitrate = bitrate(l[i]["video_bitrate"], key + ".video_bitrate", 50'000, 100'000'000);
      if (!c.ladder.empty() && r.height >= c.ladder.back().height)
        bad(key + ".height", "rungs must be listed from the highest to the lowest height");
      c.ladder.push_back(r);
    }
  }
  if (section.contains("audio_bitrate"))
    c.audio_bitrate = bitrate(section["audio_bitrate"], "audio_bitrate", 32'000, 512'000);
  if (section.contains("preset")) {
    if (!section["preset"].is_string() || !presets().contains(section["preset"].get<std::string>()))
      bad("preset", "must be a libx264 preset (ultrafast ... veryslow)");
    c.preset = section["preset"].get<std::string>();
  }
  if (section.contains("segment_seconds"))
    c.segment_seconds = number(section["segment_seconds"], "segment_seconds", 1, 30);
  if (section.contains("max_frame_rate"))
    c.max_frame_rate = integer(section["max_frame_rate"], "max_frame_rate", 1, 120);
  if (section.contains("max_duration_seconds"))
    c.max_duration_seconds =
        number(section["max_duration_seconds"], "max_duration_seconds", 1, 48 * 3600.0);
  if (section.contains("max_pixels")) {
    if (!section["max_pixels"].is_number_integer() || section["max_pixels"].get<int64_t>() < 4096)
      bad("max_pixels", "must be an integer of at least 4096");
    c.max_pixels = section["max_pixels"].get<int64_t>();
  }
  if (section.contains("max_input_bitrate"))
    c.max_input_bitrate =
        bitrate(section["max_input_bitrate"], "max_input_bitrate", 100'000, 10'000'000'000);
  if (section.contains("max_jobs")) c.max_jobs = integer(section["max_jobs"], "max_jobs", 1, 64);
  if (section.contains("parallel_rungs"))
    c.parallel_rungs = integer(section["parallel_rungs"], "parallel_rungs", 0, 8);
  if (section.contains("threads_per_rung"))
    c.threads_per_rung = integer(section["threads_per_rung"], "threads_per_rung", 0, 64);
  if (section.contains("nice")) c.nice = integer(section["nice"], "nice", 0, 19);
  if (section.contains("storyboard_interval_seconds"))
    c.storyboard_interval_seconds =
        number(section["storyboard_interval_seconds"], "storyboard_interval_seconds", 0.5, 600);
  if (section.contains("storyboard_tile_width")) {
    c.storyboard_tile_width =
        integer(section["storyboard_tile_width"], "storyboard_tile_width", 32, 640);
    if (c.storyboard_tile_width % 2 != 0) bad("storyboard_tile_width", "must be even");
  }
  if (section.contains("storyboard_max_tiles"))
    c.storyboard_max_tiles =
        integer(section["storyboard_max_tiles"], "storyboard_max_tiles", 1, 10000);
  if (section.contains("storyboard_columns"))
    c.storyboard_columns = integer(section["storyboard_columns"], "storyboard_columns", 1, 50);
  if (section.contains("keep_source")) {
    if (!section["keep_source"].is_boolean()) bad("keep_source", "must be true or false");
    c.keep_source = section["keep_source"].get<bool>();
  }
  return c;
}

}  // namespace sg::transcoder
