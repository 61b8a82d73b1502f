// StreamGate's transcode handler as a command, for the benchmark against the ffmpeg CLI:
//   sg_transcode [options] <input> <output_dir> [ladder heights, e.g. 720,480,360]
// Runs the same pipeline the `transcode` job runs (defaults of plugins.transcoder, nice 0) and
// prints the outcome as JSON. Options override plugins.transcoder fields for experiments:
//   --threads-per-rung N   libx264 threads per rung (0 = libx264's own choice)
//   --parallel-rungs N     rung threads (0 = one per rung)
//   --preset P             libx264 preset
//   --nice N               nice value of the transcode threads
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "transcode.hpp"

namespace {

int usage() {
  std::cerr << "usage: sg_transcode [--threads-per-rung N] [--parallel-rungs N] [--preset P] "
               "[--nice N] <input> <output_dir> [heights, e.g. 720,480,360]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sg::transcoder;
  // The options become a plugins.transcoder section, so parse_config validates them exactly
  // as it validates the server's configuration.
  nlohmann::json section = nlohmann::json::object();
  section["nice"] = 0;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--threads-per-rung" || a == "--parallel-rungs" || a == "--nice" ||
        a == "--preset") {
      if (i + 1 >= argc) return usage();
      std::string key(a.substr(2));
      for (auto& ch : key)
        if (ch == '-') ch = '_';
      std::string v = argv[++i];
      if (key == "preset") {
        section[key] = v;
      } else {
        char* end = nullptr;
        long n = std::strtol(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0') return usage();
        section[key] = n;
      }
    } else if (a.starts_with("--")) {
      return usage();
    } else {
      args.emplace_back(a);
    }
  }
  if (args.size() < 2 || args.size() > 3) return usage();
  TranscoderConfig config;
  try {
    config = parse_config(section);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  if (args.size() > 2) {
    std::vector<RungConfig> ladder;
    std::stringstream ss(args[2]);
    std::string h;
    while (std::getline(ss, h, ',')) {
      for (const auto& r : config.ladder)
        if (std::to_string(r.height) == h) ladder.push_back(r);
    }
    config.ladder = ladder;
  }
  auto r = transcode_file(config, args[0], args[1]);
  if (!r) {
    std::cerr << "failed (" << r.error().label() << "): " << r.error().reason << "\n";
    return 1;
  }
  std::cout << "{\"duration\":" << r->media.duration << ",\"renditions\":[";
  for (size_t i = 0; i < r->media.video.size(); ++i) {
    const auto& v = r->media.video[i];
    std::cout << (i ? "," : "") << "{\"id\":\"" << v.id << "\",\"size\":\"" << v.width << "x"
              << v.height << "\",\"codecs\":\"" << v.codecs << "\",\"segments\":"
              << v.segments.size() << ",\"avg_bps\":" << v.average_bitrate() << "}";
  }
  std::cout << "]}\n";
  return 0;
}
