// The transcode pipeline end to end: sources made with the ffmpeg CLI (1080p with audio on
// the default ladder, a rotated phone clip, an odd size, no audio with a black opening, VFR,
// 5.1 audio, a clip shorter than a segment) go through transcode_file(), and the output
// folder is checked the way players will read it: codecs and profiles, even sizes at the
// source's display aspect, the same segments in every rung with a keyframe at the start of
// each and the same keyframe instants everywhere, segment durations on the grid, constant
// frame rate, audio as long as the video, poster and storyboard, ffmpeg playing master.m3u8
// and manifest.mpd without an error, and tests/node/media/validate-manifests.mjs (when
// tests/node/node_modules is installed). Broken inputs (truncated, not media, a picture)
// fail with invalid_input and a reason a person understands.
//
// Each source is generated and transcoded once per process (a cache shared by the tests
// that use it) at small sizes wherever the ladder does not matter. Skipped without
// ffmpeg/ffprobe in PATH.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

extern "C" {
#include <libavutil/log.h>
}

#include "media_set.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "transcode.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace sg::transcoder;

// --- tools ------------------------------------------------------------------------------

bool have_ffmpeg() {
  static const bool have = sgtest::in_path("ffmpeg") && sgtest::in_path("ffprobe");
  return have;
}

bool validator_available() {
  const fs::path modules = fs::path(SG_TRANSCODER_NODE_DIR) / "node_modules";
  return fs::exists(modules / "hls.js") && fs::exists(modules / "dashjs") &&
         sgtest::in_path("node");
}

// Runs the ffmpeg CLI quietly; "" on success, else what went wrong.
std::string ffmpeg(std::vector<std::string> args) {
  std::vector<std::string> argv{"ffmpeg", "-nostdin", "-v", "error", "-y"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = sgtest::run_command(argv);
  if (r.exit_code == 0) return "";
  return "ffmpeg exited with " + std::to_string(r.exit_code) + ": " + r.output;
}

json ffprobe(const fs::path& file, std::vector<std::string> args) {
  std::vector<std::string> argv{"ffprobe", "-v", "error", "-of", "json"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(file.string());
  auto r = sgtest::run_command(argv);
  const size_t brace = r.output.find('{');
  if (r.exit_code != 0 || brace == std::string::npos) {
    ADD_FAILURE() << "ffprobe " << file << " failed: " << r.output;
    return json::object();
  }
  return json::parse(r.output.substr(brace), nullptr, false);
}

int64_t to_int(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) return std::stoll(v.get<std::string>());
  return 0;
}

// One decoded frame (the first, or the one at `at` seconds) scaled to w x h, 8-bit gray.
std::string gray_pixels(const fs::path& file, int w, int h) {
  auto r = sgtest::run_command(
      {"ffmpeg", "-nostdin", "-v", "error", "-i", file.string(), "-frames:v", "1", "-vf",
       "scale=" + std::to_string(w) + ":" + std::to_string(h) + ":flags=area,format=gray", "-f",
       "rawvideo", "-"});
  if (r.exit_code != 0 || r.output.size() != static_cast<size_t>(w * h)) {
    ADD_FAILURE() << "cannot decode a frame of " << file << ": " << r.output.substr(0, 300);
    return std::string(static_cast<size_t>(w * h), '\0');
  }
  return r.output;
}

double mean_luma(const fs::path& file) {
  const std::string px = gray_pixels(file, 1, 1);
  return static_cast<unsigned char>(px[0]);
}

void copy_into(std::ofstream& out, const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  out << in.rdbuf();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// --- sources ------------------------------------------------------------------------------

TranscoderConfig test_config() {
  TranscoderConfig c = parse_config(nullptr);
  c.nice = 0;  // CI machines are busy enough
  return c;
}

TranscoderConfig ladder_config(std::initializer_list<int> heights, double segment_seconds = 4.0) {
  TranscoderConfig c = test_config();
  c.ladder.clear();
  for (int h : heights) c.ladder.push_back({h, 400'000});
  c.segment_seconds = segment_seconds;
  c.storyboard_interval_seconds = 1.0;  // a few tiles even for short clips
  return c;
}

struct Spec {
  // Writes the source into `dir`; returns its path, or "" after reporting the failure in `error`.
  std::function<fs::path(const fs::path& dir, std::string& error)> make;
  TranscoderConfig config;
  double display_aspect = 0;  // width / height as a viewer sees the source
  bool audio = true;
  bool flat_pictures = false;  // every frame one flat colour: no poster worth choosing
};

fs::path generate(const fs::path& dir, const std::string& name, std::vector<std::string> args,
                  std::string& error) {
  const fs::path out = dir / name;
  args.push_back(out.string());
  error = ffmpeg(args);
  return out;
}

const std::vector<std::string> kFastH264{"-c:v",      "libx264",  "-preset",
                                         "ultrafast", "-pix_fmt", "yuv420p"};

std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::map<std::string, Spec> specs() {
  std::map<std::string, Spec> s;
  // 1. 1080p30 with stereo audio, 4.5 s: two segments (4 s + 0.5 s) on the default ladder.
  s["hd"] = {[](const fs::path& dir, std::string& error) {
               return generate(
                   dir, "hd.mp4",
                   cat({"-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=4.5", "-f",
                        "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4.5"},
                       cat(kFastH264, {"-c:a", "aac", "-ac", "2", "-shortest", "-color_primaries",
                                       "bt709", "-color_trc", "bt709", "-colorspace", "bt709"})),
                   error);
             },
             test_config(), 16.0 / 9.0, true};
  // 2. A phone clip: 1280x720 coded, rotated 90 degrees for display (the legacy rotate tag
  // becomes a display matrix), with a white box in the coded picture's top-left corner so
  // the direction of the rotation shows.
  s["portrait"] = {
      [](const fs::path& dir, std::string& error) {
        generate(dir, "landscape.mp4",
                 cat({"-f", "lavfi", "-i",
                      "testsrc2=size=1280x720:rate=30:duration=3,drawbox=x=0:y=0:w=640:h=360:"
                      "color=white:t=fill",
                      "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=44100:duration=3"},
                     cat(kFastH264, {"-c:a", "aac", "-shortest"})),
                 error);
        if (!error.empty()) return fs::path();
        return generate(
            dir, "portrait.mp4",
            {"-i", (dir / "landscape.mp4").string(), "-c", "copy", "-metadata:s:v", "rotate=90"},
            error);
      },
      ladder_config({480, 240}), 720.0 / 1280.0, true};
  // 3. 854x481 (odd height: 4:4:4 so libx264 accepts it), mono audio.
  s["odd"] = {[](const fs::path& dir, std::string& error) {
                return generate(
                    dir, "odd.mp4",
                    {"-f", "lavfi", "-i", "testsrc2=size=854x481:rate=25:duration=3", "-f", "lavfi",
                     "-i", "sine=frequency=500:sample_rate=32000:duration=3", "-c:v", "libx264",
                     "-preset", "ultrafast", "-pix_fmt", "yuv444p", "-c:a", "aac", "-shortest"},
                    error);
              },
              ladder_config({480, 360}), 854.0 / 481.0, true};
  // 4. No audio; the first 2 s are black (the poster must come from the picture after).
  s["silent"] = {[](const fs::path& dir, std::string& error) {
                   return generate(
                       dir, "silent.mp4",
                       cat({"-f", "lavfi", "-i",
                            "color=c=black:s=320x240:r=30:d=2[b];"
                            "testsrc2=s=320x240:r=30:d=2.5[t];[b][t]concat=n=2:v=1:a=0[out0]"},
                           kFastH264),
                       error);
                 },
                 ladder_config({240, 144}), 4.0 / 3.0, false};
  // 5. Variable frame rate: a 30 fps capture with irregularly dropped frames (timestamps
  // kept), 6 s, on a 2 s segment grid.
  s["vfr"] = {
      [](const fs::path& dir, std::string& error) {
        return generate(
            dir, "vfr.mp4",
            cat({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=6", "-f", "lavfi",
                 "-i", "sine=frequency=600:sample_rate=48000:duration=6", "-vf",
                 "select='not(eq(mod(n\\,5)\\,2))*not(eq(mod(n\\,7)\\,3))'", "-fps_mode", "vfr"},
                cat(kFastH264, {"-c:a", "aac", "-shortest"})),
            error);
      },
      [] {
        auto c = ladder_config({240, 144}, 2.0);
        c.storyboard_columns = 4;  // 6 tiles: two rows
        return c;
      }(),
      4.0 / 3.0, true};
  // 5b. Interlaced 576i (top field first, coded as interlaced): the top field is white and
  // the bottom one black in even frames, the other way round in odd frames. Deinterlaced,
  // each frame is one field's colour; scaled as it is, every frame is a grey blend.
  s["interlaced"] = {[](const fs::path& dir, std::string& error) {
                       return generate(
                           dir, "interlaced.mp4",
                           {"-f", "lavfi", "-i",
                            "color=c=black:s=720x576:r=25:d=2,format=yuv420p,"
                            "geq=lum='if(eq(mod(Y+N\\,2)\\,0)\\,235\\,16)':cb=128:cr=128,"
                            "setfield=tff",
                            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                            "-flags", "+ildct+ilme", "-qp", "10"},
                           error);
                     },
                     ladder_config({480}), 720.0 / 576.0, false, true};
  // 5c. The smallest picture H.264 takes: 2x2 (below what some filters accept).
  s["tiny"] = {[](const fs::path& dir, std::string& error) {
                 return generate(
                     dir, "tiny.mp4",
                     cat({"-f", "lavfi", "-i", "testsrc2=size=2x2:rate=30:duration=1"}, kFastH264),
                     error);
               },
               ladder_config({240}), 1.0, false, true};
  // 6. 5.1 AAC at 44.1 kHz.
  s["surround"] = {
      [](const fs::path& dir, std::string& error) {
        return generate(
            dir, "surround.mp4",
            cat({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=3", "-f", "lavfi",
                 "-i",
                 "aevalsrc=sin(440*2*PI*t)|sin(550*2*PI*t)|sin(660*2*PI*t)|"
                 "0.1*sin(50*2*PI*t)|sin(770*2*PI*t)|sin(880*2*PI*t):c=5.1:s=44100:d=3"},
                cat(kFastH264, {"-c:a", "aac", "-shortest"})),
            error);
      },
      ladder_config({240}), 4.0 / 3.0, true};
  // 7. 2 s: shorter than one segment.
  s["short"] = {[](const fs::path& dir, std::string& error) {
                  return generate(
                      dir, "short.mp4",
                      cat({"-f", "lavfi", "-i", "testsrc2=size=426x240:rate=30:duration=2", "-f",
                           "lavfi", "-i", "sine=frequency=700:sample_rate=48000:duration=2"},
                          cat(kFastH264, {"-c:a", "aac", "-shortest"})),
                      error);
                },
                [] {
                  // Both rungs on one encoding thread, libx264 single-threaded: the grouping
                  // path of parallel_rungs.
                  auto c = ladder_config({240, 144});
                  c.parallel_rungs = 1;
                  c.threads_per_rung = 1;
                  return c;
                }(),
                426.0 / 240.0, true};
  // 8. A faststart mp4 (moov first) cut at half its bytes: the index promises 4 s.
  s["truncated"] = {
      [](const fs::path& dir, std::string& error) {
        const fs::path full =
            generate(dir, "full.mp4",
                     cat({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=4", "-f",
                          "lavfi", "-i", "sine=duration=4"},
                         cat(kFastH264, {"-c:a", "aac", "-shortest", "-movflags", "+faststart"})),
                     error);
        if (!error.empty()) return fs::path();
        std::ifstream in(full, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        const fs::path out = dir / "truncated.mp4";
        std::ofstream(out, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
        return out;
      },
      test_config(), 0, false};
  // 8b. The same cut of a plain mp4 (moov at the end: no index at all), and an empty file.
  s["truncated_no_index"] = {
      [](const fs::path& dir, std::string& error) {
        const fs::path full = generate(
            dir, "full.mp4",
            cat({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=4"}, kFastH264),
            error);
        if (!error.empty()) return fs::path();
        std::ifstream in(full, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        const fs::path out = dir / "cut.mp4";
        std::ofstream(out, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
        return out;
      },
      test_config(), 0, false};
  s["empty"] = {[](const fs::path& dir, std::string&) {
                  const fs::path out = dir / "empty.mp4";
                  std::ofstream f(out, std::ios::binary);
                  return out;
                },
                test_config(), 0, false};
  // 8c. Sound only.
  s["audio_only"] = {[](const fs::path& dir, std::string& error) {
                       return generate(dir, "sound.m4a",
                                       {"-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac"},
                                       error);
                     },
                     test_config(), 0, false};
  // 9. Not media at all: random bytes, and text, both named .mp4.
  s["random"] = {[](const fs::path& dir, std::string&) {
                   const fs::path out = dir / "random.mp4";
                   std::ofstream f(out, std::ios::binary);
                   uint32_t x = 2463534242u;  // xorshift: the same bytes every run
                   for (int i = 0; i < 256 * 1024; ++i) {
                     x ^= x << 13;
                     x ^= x >> 17;
                     x ^= x << 5;
                     f.put(static_cast<char>(x & 0xFF));
                   }
                   return out;
                 },
                 test_config(), 0, false};
  s["text"] = {[](const fs::path& dir, std::string&) {
                 const fs::path out = dir / "notes.mp4";
                 std::ofstream f(out, std::ios::binary);
                 for (int i = 0; i < 2000; ++i) f << "line " << i << ": this is not a video\n";
                 return out;
               },
               test_config(), 0, false};
  // 10. A PNG picture (named .mp4), and the same picture as the only frame of a .mov.
  s["png"] = {[](const fs::path& dir, std::string& error) {
                generate(dir, "picture.png",
                         {"-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1"}, error);
                if (!error.empty()) return fs::path();
                fs::copy_file(dir / "picture.png", dir / "picture.mp4");
                return dir / "picture.mp4";
              },
              test_config(), 0, false};
  s["png_in_mov"] = {
      [](const fs::path& dir, std::string& error) {
        return generate(
            dir, "picture.mov",
            {"-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", "-c:v", "png"}, error);
      },
      test_config(), 0, false};
  return s;
}

// --- the per-process cache: one source and one transcode per name ------------------------

struct SourceRun {
  std::string name;
  Spec spec;
  fs::path source;
  fs::path out;      // the transcode's output folder
  fs::path scratch;  // concatenated renditions and other probe files
  std::optional<Result<TranscodeOutcome>> result;
  double seconds = 0;
  std::string setup_error;
};

class Cache {
 public:
  static Cache& get() {
    static Cache cache;
    return cache;
  }
  const SourceRun& run(const std::string& name) {
    auto it = runs_.find(name);
    if (it != runs_.end()) return *it->second;
    if (!dir_) {
      dir_ = std::make_unique<sgtest::TempDir>("sg-pipeline");
      av_log_set_level(AV_LOG_ERROR);  // libx264's statistics would drown the test output
    }
    auto r = std::make_unique<SourceRun>();
    r->name = name;
    r->spec = specs().at(name);
    const fs::path base = dir_->path() / name;
    fs::create_directories(base / "src");
    fs::create_directories(base / "scratch");
    r->out = base / "out";
    r->scratch = base / "scratch";
    r->source = r->spec.make(base / "src", r->setup_error);
    if (r->setup_error.empty()) {
      const auto t0 = std::chrono::steady_clock::now();
      r->result.emplace(transcode_file(r->spec.config, r->source, r->out));
      r->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::cout << "[ transcode] " << name << ": " << r->seconds << " s\n";
    }
    return *runs_.emplace(name, std::move(r)).first->second;
  }

 private:
  std::unique_ptr<sgtest::TempDir> dir_;
  std::map<std::string, std::unique_ptr<SourceRun>> runs_;
};

// --- reading renditions back -------------------------------------------------------------

struct Packet {
  int64_t pts = 0;
  int64_t duration = 0;
  bool key = false;
  size_t segment = 0;  // 0-based
};

struct SegmentView {
  int64_t first_pts = 0;  // of the first packet in decode order
  bool first_is_key = false;
  int64_t min_pts = INT64_MAX;
  int64_t end = INT64_MIN;  // max(pts + duration)
};

struct Track {
  json stream;
  int64_t tb_num = 1;
  int64_t tb_den = 1;
  std::vector<Packet> packets;
  std::vector<SegmentView> segments;
  double seconds(int64_t ticks) const {
    return static_cast<double>(ticks) * static_cast<double>(tb_num) / static_cast<double>(tb_den);
  }
  int64_t end() const {
    int64_t e = INT64_MIN;
    for (const auto& s : segments) e = std::max(e, s.end);
    return e;
  }
};

size_t segment_files(const fs::path& dir) {
  size_t n = 0;
  while (fs::exists(dir / segment_name(n + 1))) ++n;
  return n;
}

// init.mp4 + every segment as one fragmented mp4, probed once; packets are attributed to
// their segment by byte position.
Track read_track(const SourceRun& run, const std::string& id) {
  Track t;
  const fs::path dir = run.out / id;
  const fs::path joined = run.scratch / (id + ".mp4");
  std::vector<int64_t> ends;  // byte offset where each segment ends
  {
    std::ofstream out(joined, std::ios::binary);
    copy_into(out, dir / kInitName);
    int64_t offset = static_cast<int64_t>(fs::file_size(dir / kInitName));
    const size_t n = segment_files(dir);
    for (size_t i = 1; i <= n; ++i) {
      copy_into(out, dir / segment_name(i));
      offset += static_cast<int64_t>(fs::file_size(dir / segment_name(i)));
      ends.push_back(offset);
    }
  }
  const json j = ffprobe(joined, {"-show_entries",
                                  "stream=codec_name,profile,width,height,pix_fmt,time_base,"
                                  "sample_rate,channels,channel_layout,r_frame_rate:"
                                  "packet=pts,duration,flags,pos"});
  if (!j.contains("streams") || j["streams"].size() != 1) {
    ADD_FAILURE() << id << ": expected one stream in " << joined;
    return t;
  }
  t.stream = j["streams"][0];
  const std::string tb = t.stream.value("time_base", "1/1");
  t.tb_num = std::stoll(tb.substr(0, tb.find('/')));
  t.tb_den = std::stoll(tb.substr(tb.find('/') + 1));
  t.segments.resize(ends.size());
  for (const auto& p : j.value("packets", json::array())) {
    Packet pk;
    pk.pts = to_int(p["pts"]);
    pk.duration = p.contains("duration") ? to_int(p["duration"]) : 0;
    pk.key = contains(p.value("flags", ""), "K");
    const int64_t pos = to_int(p["pos"]);
    pk.segment =
        static_cast<size_t>(std::upper_bound(ends.begin(), ends.end(), pos) - ends.begin());
    if (pk.segment >= t.segments.size()) {
      ADD_FAILURE() << id << ": packet at byte " << pos << " beyond the last segment";
      continue;
    }
    SegmentView& s = t.segments[pk.segment];
    if (s.min_pts == INT64_MAX && s.end == INT64_MIN) {
      s.first_pts = pk.pts;
      s.first_is_key = pk.key;
    }
    s.min_pts = std::min(s.min_pts, pk.pts);
    s.end = std::max(s.end, pk.pts + pk.duration);
    t.packets.push_back(pk);
  }
  return t;
}

// --- the checks every successful transcode passes ------------------------------------------

void expect_aspect(int w, int h, double aspect, const std::string& what) {
  ASSERT_GT(h, 0) << what;
  const double a = static_cast<double>(w) / h;
  EXPECT_NEAR(a / aspect, 1.0, 0.01)
      << what << " " << w << "x" << h << " vs source aspect " << aspect;
}

void check_video(const SourceRun& run, std::vector<Track>& tracks) {
  const TranscodeOutcome& o = run.result->value();
  const Plan& plan = o.plan;
  ASSERT_FALSE(o.media.video.empty());
  const double frame = static_cast<double>(plan.fps_den) / plan.fps_num;
  for (const Rendition& r : o.media.video) {
    SCOPED_TRACE("rendition " + r.id);
    EXPECT_EQ(r.width % 2, 0);
    EXPECT_EQ(r.height % 2, 0);
    expect_aspect(r.width, r.height, run.spec.display_aspect, r.id);
    Track t = read_track(run, r.id);
    EXPECT_EQ(t.stream.value("codec_name", ""), "h264");
    const bool high = std::min(r.width, r.height) >= 720;
    EXPECT_EQ(t.stream.value("profile", ""), high ? "High" : "Main");
    EXPECT_EQ(r.codecs.substr(0, 7), high ? "avc1.64" : "avc1.4D") << r.codecs;
    EXPECT_EQ(t.stream.value("width", 0), r.width);
    EXPECT_EQ(t.stream.value("height", 0), r.height);
    EXPECT_EQ(t.stream.value("pix_fmt", ""), "yuv420p");

    // Files on disk, the MediaSet (what the manifests say) and the probed segments agree.
    ASSERT_EQ(segment_files(run.out / r.id), r.segments.size());
    ASSERT_EQ(t.segments.size(), r.segments.size());
    EXPECT_EQ(static_cast<int64_t>(r.timescale) * t.tb_num, t.tb_den);
    for (size_t i = 0; i < t.segments.size(); ++i) {
      SCOPED_TRACE("segment " + std::to_string(i + 1));
      const SegmentView& s = t.segments[i];
      EXPECT_TRUE(s.first_is_key) << "a segment must start with a keyframe";
      EXPECT_EQ(s.first_pts, s.min_pts) << "the keyframe must be the first frame shown";
      EXPECT_EQ(r.segments[i].start, s.min_pts);
      const int64_t next = i + 1 < t.segments.size() ? t.segments[i + 1].min_pts : s.end;
      EXPECT_EQ(r.segments[i].duration, next - s.min_pts);
      const double d = t.seconds(next - s.min_pts);
      if (i + 1 < t.segments.size()) {
        EXPECT_NEAR(d, plan.segment_seconds, frame + 1e-6) << "segment off the grid";
      } else {
        EXPECT_LE(d, plan.segment_seconds + frame + 1e-6);
      }
    }
    // Constant frame rate: every frame lasts one output frame and none is missing.
    const int64_t frame_ticks = t.tb_den * plan.fps_den / (t.tb_num * plan.fps_num);
    std::vector<int64_t> pts;
    for (const Packet& p : t.packets) {
      EXPECT_EQ(p.duration, frame_ticks) << "at pts " << p.pts;
      pts.push_back(p.pts);
    }
    std::sort(pts.begin(), pts.end());
    for (size_t i = 1; i < pts.size(); ++i)
      ASSERT_EQ(pts[i] - pts[i - 1], frame_ticks) << "gap or repeat at pts " << pts[i];
    if (!pts.empty()) {
      EXPECT_EQ(pts.front(), 0);
    }
    tracks.push_back(std::move(t));
  }
  // One keyframe per segment, at the same instants in every rung.
  std::vector<std::vector<double>> keys;
  for (const Track& t : tracks) {
    std::vector<double> k;
    for (const Packet& p : t.packets)
      if (p.key) k.push_back(t.seconds(p.pts));
    std::sort(k.begin(), k.end());
    EXPECT_EQ(k.size(), t.segments.size()) << "keyframes inside a segment";
    keys.push_back(k);
  }
  for (size_t i = 1; i < keys.size(); ++i) {
    ASSERT_EQ(keys[i].size(), keys[0].size())
        << o.media.video[i].id << " and " << o.media.video[0].id << " differ in keyframes";
    for (size_t k = 0; k < keys[0].size(); ++k)
      EXPECT_NEAR(keys[i][k], keys[0][k], 1e-6) << o.media.video[i].id << " keyframe " << k;
  }
}

void check_audio(const SourceRun& run, const std::vector<Track>& video) {
  const TranscodeOutcome& o = run.result->value();
  if (!run.spec.audio) {
    EXPECT_FALSE(o.media.audio.has_value());
    EXPECT_FALSE(fs::exists(run.out / "audio"));
    const std::string master = sgtest::read_file(run.out / kMasterPlaylistName);
    EXPECT_FALSE(contains(master, "TYPE=AUDIO")) << master;
    EXPECT_FALSE(contains(master, "AUDIO=")) << master;
    EXPECT_FALSE(contains(master, "mp4a")) << master;
    const std::string mpd = sgtest::read_file(run.out / kDashManifestName);
    EXPECT_FALSE(contains(mpd, "contentType=\"audio\"")) << mpd;
    return;
  }
  ASSERT_TRUE(o.media.audio.has_value());
  const Rendition& a = *o.media.audio;
  EXPECT_EQ(a.codecs, "mp4a.40.2");
  EXPECT_EQ(a.channels, 2);
  EXPECT_EQ(a.sample_rate, 48000);
  const std::string master = sgtest::read_file(run.out / kMasterPlaylistName);
  EXPECT_TRUE(contains(master, "TYPE=AUDIO")) << master;
  Track t = read_track(run, "audio");
  EXPECT_EQ(t.stream.value("codec_name", ""), "aac");
  EXPECT_EQ(t.stream.value("profile", ""), "LC");
  EXPECT_EQ(t.stream.value("channels", 0), 2);
  EXPECT_EQ(t.stream.value("channel_layout", ""), "stereo");
  EXPECT_EQ(t.stream.value("sample_rate", ""), "48000");
  ASSERT_EQ(segment_files(run.out / "audio"), a.segments.size());
  ASSERT_EQ(t.segments.size(), a.segments.size());
  if (!video.empty()) {
    EXPECT_EQ(a.segments.size(), video.front().segments.size());
  }
  for (size_t i = 0; i < t.segments.size(); ++i)
    EXPECT_EQ(a.segments[i].start, std::max<int64_t>(0, t.segments[i].min_pts))
        << "segment " << i + 1;
  if (!video.empty()) {
    const double video_end = video.front().seconds(video.front().end());
    const double audio_end = t.seconds(t.end());
    EXPECT_NEAR(audio_end, video_end, 0.05) << "audio and video lengths differ";
  }
}

void check_pictures(const SourceRun& run) {
  const TranscodeOutcome& o = run.result->value();
  const Rendition& top = o.media.video.front();
  const json poster = ffprobe(run.out / kPosterName, {"-show_entries", "stream=width,height"});
  ASSERT_EQ(poster.value("streams", json::array()).size(), 1u);
  EXPECT_EQ(poster["streams"][0].value("width", 0), top.width);
  EXPECT_EQ(poster["streams"][0].value("height", 0), top.height);
  if (!run.spec.flat_pictures) {
    EXPECT_GT(mean_luma(run.out / kPosterName), 40) << "the poster is black";
  }

  const json sprite =
      ffprobe(run.out / kStoryboardSpriteName, {"-show_entries", "stream=width,height"});
  ASSERT_EQ(sprite.value("streams", json::array()).size(), 1u);
  const int sw = sprite["streams"][0].value("width", 0);
  const int sh = sprite["streams"][0].value("height", 0);
  std::istringstream vtt(sgtest::read_file(run.out / kStoryboardVttName));
  std::string line;
  ASSERT_TRUE(std::getline(vtt, line));
  EXPECT_EQ(line, "WEBVTT");
  const std::regex timing(R"((\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d))");
  const std::regex target(R"(storyboard\.jpg#xywh=(\d+),(\d+),(\d+),(\d+))");
  auto secs = [](const std::smatch& m, size_t i) {
    return std::stoi(m[i]) * 3600.0 + std::stoi(m[i + 1]) * 60.0 + std::stoi(m[i + 2]) +
           std::stoi(m[i + 3]) / 1000.0;
  };
  int cues = 0;
  double previous_end = 0;
  while (std::getline(vtt, line)) {
    if (line.empty()) continue;
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, timing)) << "not a cue timing: " << line;
    const double from = secs(m, 1);
    const double to = secs(m, 5);
    EXPECT_NEAR(from, previous_end, 1e-9) << "cues must be contiguous from 0";
    EXPECT_GT(to, from);
    previous_end = to;
    ASSERT_TRUE(std::getline(vtt, line));
    ASSERT_TRUE(std::regex_match(line, m, target)) << "not a sprite reference: " << line;
    const int x = std::stoi(m[1]), y = std::stoi(m[2]), w = std::stoi(m[3]), h = std::stoi(m[4]);
    EXPECT_GT(w, 0);
    EXPECT_GT(h, 0);
    EXPECT_LE(x + w, sw) << line;
    EXPECT_LE(y + h, sh) << line;
    EXPECT_NEAR(static_cast<double>(w) / h / run.spec.display_aspect, 1.0, 0.02) << line;
    ++cues;
  }
  EXPECT_GE(cues, 1);
  EXPECT_NEAR(previous_end, o.media.duration, 0.05) << "the last cue ends with the video";
}

void check_players(const SourceRun& run) {
  for (const char* manifest : {kMasterPlaylistName, kDashManifestName}) {
    const fs::path path = fs::absolute(run.out / manifest);
    auto r = sgtest::run_command(
        {"ffmpeg", "-nostdin", "-v", "error", "-i", path.string(), "-f", "null", "-"});
    EXPECT_EQ(r.exit_code, 0) << manifest << ": " << r.output;
    EXPECT_EQ(r.output, "") << manifest << " plays with errors";
  }
  if (!validator_available()) {
    std::cout << "[ skipped  ] validate-manifests.mjs: node or tests/node/node_modules missing\n";
    return;
  }
  auto r = sgtest::run_command(
      {"node", std::string(SG_TRANSCODER_NODE_DIR) + "/media/validate-manifests.mjs",
       run.out.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// Everything a successful transcode must satisfy; returns the video tracks for more checks.
std::vector<Track> check_output(const SourceRun& run) {
  std::vector<Track> video;
  check_video(run, video);
  check_audio(run, video);
  check_pictures(run);
  check_players(run);
  return video;
}

// --- the tests -----------------------------------------------------------------------------

class Pipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_ffmpeg()) GTEST_SKIP() << "ffmpeg/ffprobe not in PATH";
  }
  // The run for `name`, transcoded successfully (fails the test otherwise).
  static const SourceRun* succeeded(const std::string& name) {
    const SourceRun& run = Cache::get().run(name);
    if (!run.setup_error.empty()) {
      ADD_FAILURE() << "cannot generate " << name << ": " << run.setup_error;
      return nullptr;
    }
    if (!*run.result) {
      ADD_FAILURE() << name << " failed (" << run.result->error().label()
                    << "): " << run.result->error().reason;
      return nullptr;
    }
    return &run;
  }
  static const Failure* failed(const std::string& name) {
    const SourceRun& run = Cache::get().run(name);
    if (!run.setup_error.empty()) {
      ADD_FAILURE() << "cannot generate " << name << ": " << run.setup_error;
      return nullptr;
    }
    if (*run.result) {
      ADD_FAILURE() << name << " was transcoded; it should have failed";
      return nullptr;
    }
    return &run.result->error();
  }
};

std::vector<std::pair<int, int>> sizes(const MediaSet& m) {
  std::vector<std::pair<int, int>> s;
  for (const auto& v : m.video) s.emplace_back(v.width, v.height);
  return s;
}

TEST_F(Pipeline, Hd1080WithAudioOnTheDefaultLadder) {
  const SourceRun* run = succeeded("hd");
  ASSERT_NE(run, nullptr);
  const TranscodeOutcome& o = run->result->value();
  EXPECT_EQ(sizes(o.media),
            (std::vector<std::pair<int, int>>{{1920, 1080}, {1280, 720}, {854, 480}, {640, 360}}));
  std::vector<std::string> ids;
  for (const auto& v : o.media.video) ids.push_back(v.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"1080p", "720p", "480p", "360p"}));
  EXPECT_EQ(o.plan.fps_num, 30);
  EXPECT_EQ(o.plan.fps_den, 1);
  EXPECT_EQ(o.plan.gop_frames, 120);
  auto video = check_output(*run);
  ASSERT_FALSE(video.empty());
  EXPECT_EQ(video.front().segments.size(), 2u);  // 4 s + 0.5 s
  // The BT.709 tags of the source reach every rung, the SD ones included (where players
  // would otherwise assume BT.601).
  for (const char* rung : {"1080p", "480p"}) {
    json streams = ffprobe(run->scratch / (std::string(rung) + ".mp4"),
                           {"-select_streams", "v", "-show_streams"})["streams"];
    ASSERT_TRUE(streams.is_array() && !streams.empty()) << rung;
    EXPECT_EQ(streams[0].value("color_space", ""), "bt709") << rung;
    EXPECT_EQ(streams[0].value("color_primaries", ""), "bt709") << rung;
    EXPECT_EQ(streams[0].value("color_transfer", ""), "bt709") << rung;
    EXPECT_EQ(streams[0].value("color_range", ""), "tv") << rung;
  }
}

TEST_F(Pipeline, RotatedPhoneClipComesOutPortrait) {
  const SourceRun* run = succeeded("portrait");
  ASSERT_NE(run, nullptr);
  const TranscodeOutcome& o = run->result->value();
  // The legacy tag becomes a display matrix; which quarter turn it reads as is checked below
  // against ffmpeg's own autorotation rather than assumed here.
  EXPECT_TRUE(o.source.rotation == 90 || o.source.rotation == 270) << o.source.rotation;
  EXPECT_EQ(sizes(o.media), (std::vector<std::pair<int, int>>{{480, 854}, {240, 426}}));
  for (const auto& v : o.media.video) EXPECT_LT(v.width, v.height) << v.id;
  check_output(*run);
  // Turned the way players turn it: the first frame looks like ffmpeg's autorotated one.
  const std::string ours = gray_pixels(run->scratch / "480p.mp4", 2, 2);
  const std::string reference = gray_pixels(run->source, 2, 2);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_NEAR(static_cast<unsigned char>(ours[i]), static_cast<unsigned char>(reference[i]), 24)
        << "quadrant " << i << " (rotated the wrong way?)";
}

TEST_F(Pipeline, OddSizeBecomesEvenWithItsAspect) {
  const SourceRun* run = succeeded("odd");
  ASSERT_NE(run, nullptr);
  const TranscodeOutcome& o = run->result->value();
  ASSERT_EQ(o.media.video.size(), 2u);
  EXPECT_EQ(o.media.video[0].height, 480);
  EXPECT_EQ(o.media.video[1].height, 360);
  EXPECT_EQ(o.plan.fps_num * 1.0 / o.plan.fps_den, 25.0);
  check_output(*run);  // even sizes, aspect within 1%
}

TEST_F(Pipeline, NoAudioMeansNoAudioRenditionAndAPosterPastTheBlackOpening) {
  const SourceRun* run = succeeded("silent");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->result->value().source.audio_stream, -1);
  check_output(*run);  // no audio group; poster not black
}

TEST_F(Pipeline, VariableFrameRateBecomesConstantOnTheSegmentGrid) {
  const SourceRun* run = succeeded("vfr");
  ASSERT_NE(run, nullptr);
  const TranscodeOutcome& o = run->result->value();
  auto video = check_output(*run);  // constant frame durations, no gaps, grid respected
  ASSERT_FALSE(video.empty());
  // 6 s on a 2 s grid: three segments.
  EXPECT_EQ(video.front().segments.size(), 3u);
  // The nominal 30 fps (dropped frames repeated), not the 20.5 fps average of what is left.
  EXPECT_EQ(o.plan.fps_num, 30);
  EXPECT_EQ(o.plan.fps_den, 1);
  EXPECT_EQ(o.plan.gop_frames, 60);
  EXPECT_EQ(o.media.video.front().frame_rate_num, 30);
}

// Per-frame average luma of a rendition (ffmpeg signalstats).
std::vector<double> frame_lumas(const fs::path& file) {
  auto r = sgtest::run_command({"ffmpeg", "-nostdin", "-v", "error", "-i", file.string(), "-vf",
                                "signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-",
                                "-f", "null", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<double> y;
  std::istringstream lines(r.output);
  std::string line;
  const std::string key = "lavfi.signalstats.YAVG=";
  while (std::getline(lines, line))
    if (line.rfind(key, 0) == 0) y.push_back(std::stod(line.substr(key.size())));
  return y;
}

TEST_F(Pipeline, InterlacedSourceIsDeinterlaced) {
  const SourceRun* run = succeeded("interlaced");
  ASSERT_NE(run, nullptr);
  check_output(*run);
  const std::vector<double> y = frame_lumas(run->scratch / "480p.mp4");
  ASSERT_EQ(y.size(), 50u);
  int dark = 0;
  int light = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    EXPECT_TRUE(y[i] < 60 || y[i] > 190) << "frame " << i << " blends its two fields: " << y[i];
    (y[i] < 60 ? dark : light) += 1;
  }
  EXPECT_GT(dark, 0);
  EXPECT_GT(light, 0);
}

TEST_F(Pipeline, TinySourceGetsOneRungAtItsSize) {
  const SourceRun* run = succeeded("tiny");
  ASSERT_NE(run, nullptr);
  const TranscodeOutcome& o = run->result->value();
  EXPECT_EQ(sizes(o.media), (std::vector<std::pair<int, int>>{{2, 2}}));
  EXPECT_EQ(o.media.video.front().id, "2p");
}

TEST_F(Pipeline, SurroundAudioBecomesStereoAac) {
  const SourceRun* run = succeeded("surround");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->result->value().source.audio_channels, 6);
  check_output(*run);  // AAC-LC stereo 48 kHz
}

TEST_F(Pipeline, ClipShorterThanASegmentHasOneSegmentPerRendition) {
  const SourceRun* run = succeeded("short");
  ASSERT_NE(run, nullptr);
  const TranscodeOutcome& o = run->result->value();
  check_output(*run);
  for (const auto& v : o.media.video) EXPECT_EQ(v.segments.size(), 1u) << v.id;
  ASSERT_TRUE(o.media.audio.has_value());
  EXPECT_EQ(o.media.audio->segments.size(), 1u);
}

// A job can be cancelled while it runs: the result says so promptly and nothing is left
// running (the destructor joins every thread).
TEST_F(Pipeline, CancelStopsARunningTranscode) {
  sgtest::TempDir dir("sg-cancel");
  const fs::path src = dir.path() / "long.mp4";
  ASSERT_EQ(ffmpeg(cat({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=60", "-f",
                        "lavfi", "-i", "sine=duration=60"},
                       cat(kFastH264, {"-c:a", "aac", "-shortest", src.string()}))),
            "");
  av_log_set_level(AV_LOG_ERROR);
  Transcode t(ladder_config({240, 144}), src, dir.path() / "out");
  t.start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (t.progress().position < 1.0 && std::chrono::steady_clock::now() < deadline)
    if (t.wait_for(std::chrono::milliseconds(20))) break;  // ended early: reported below
  const ProgressSnapshot p = t.progress();
  EXPECT_GE(p.position, 1.0);
  EXPECT_NEAR(p.duration, 60.0, 0.1);
  EXPECT_GT(p.frames, 0);
  t.cancel();
  const auto cancelled_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(t.wait_for(std::chrono::seconds(10))) << "cancel did not stop the transcode";
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, std::chrono::seconds(5));
  auto r = t.result();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Failure::Kind::cancelled) << r.error().reason;
  EXPECT_FALSE(r.error().retryable());
}

TEST_F(Pipeline, TruncatedFileIsInvalidInput) {
  const Failure* f = failed("truncated");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, Failure::Kind::invalid_input) << f->reason;
  EXPECT_FALSE(f->retryable());
  EXPECT_TRUE(contains(f->reason, "truncated")) << f->reason;
}

TEST_F(Pipeline, CutFileWithoutAnIndexIsInvalidInput) {
  const Failure* f = failed("truncated_no_index");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, Failure::Kind::invalid_input) << f->reason;
  EXPECT_FALSE(f->retryable());
  EXPECT_FALSE(f->reason.empty());
}

TEST_F(Pipeline, EmptyFileIsInvalidInput) {
  const Failure* f = failed("empty");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, Failure::Kind::invalid_input) << f->reason;
  EXPECT_FALSE(f->retryable());
  EXPECT_FALSE(f->reason.empty());
}

TEST_F(Pipeline, SoundWithoutPictureIsInvalidInput) {
  const Failure* f = failed("audio_only");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, Failure::Kind::invalid_input) << f->reason;
  EXPECT_FALSE(f->retryable());
  EXPECT_EQ(f->reason, "no video stream");
}

TEST_F(Pipeline, RandomBytesAreInvalidInput) {
  const Failure* f = failed("random");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, Failure::Kind::invalid_input) << f->reason;
  EXPECT_FALSE(f->retryable());
  EXPECT_TRUE(contains(f->reason, "unrecognised format")) << f->reason;
}

TEST_F(Pipeline, TextIsInvalidInput) {
  const Failure* f = failed("text");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, Failure::Kind::invalid_input) << f->reason;
  EXPECT_FALSE(f->retryable());
  EXPECT_TRUE(contains(f->reason, "unrecognised format")) << f->reason;
}

TEST_F(Pipeline, PngIsNotAcceptedAsAVideo) {
  const Failure* f = failed("png");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, Failure::Kind::invalid_input) << f->reason;
  EXPECT_FALSE(f->retryable());
  EXPECT_TRUE(contains(f->reason, "unsupported container")) << f->reason;
  EXPECT_TRUE(contains(f->reason, "still images")) << f->reason;
}

TEST_F(Pipeline, SinglePictureInAMovIsNotAVideo) {
  const Failure* f = failed("png_in_mov");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, Failure::Kind::invalid_input) << f->reason;
  EXPECT_FALSE(f->retryable());
  EXPECT_TRUE(contains(f->reason, "not a video")) << f->reason;
}

}  // namespace
