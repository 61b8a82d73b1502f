// StreamGate's transcode handler as a command, for the benchmark against the ffmpeg CLI:
//   sg_transcode <input> <output_dir> [ladder heights, e.g. 720,480,360]
// Runs the same pipeline the `transcode` job runs (defaults of plugins.transcoder) and prints
// the outcome as JSON.
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "transcode.hpp"

int main(int argc, char** argv) {
  using namespace sg::transcoder;
  if (argc < 3) {
    std::cerr << "usage: sg_transcode <input> <output_dir> [heights, e.g. 720,480,360]\n";
    return 2;
  }
  TranscoderConfig config = parse_config(nullptr);
  config.nice = 0;
  if (argc > 3) {
    std::vector<RungConfig> ladder;
    std::stringstream ss(argv[3]);
    std::string h;
    while (std::getline(ss, h, ',')) {
      for (const auto& r : config.ladder)
        if (std::to_string(r.height) == h) ladder.push_back(r);
    }
    config.ladder = ladder;
  }
  auto r = transcode_file(config, argv[1], argv[2]);
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
