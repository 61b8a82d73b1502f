#include "test_clip.hpp"

#include <chrono>
#include <vector>

namespace sgtest {

CommandResult make_test_clip(const std::filesystem::path& out, const TestClip& c) {
  const std::string seconds = std::to_string(c.seconds);
  std::vector<std::string> argv{
      "ffmpeg",
      "-nostdin",
      "-loglevel",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      "testsrc2=duration=" + seconds + ":size=" + c.size + ":rate=" + std::to_string(c.rate)};
  if (c.audio) {
    std::string sine = "sine=frequency=440:duration=" + seconds;
    if (c.sample_rate > 0)
      sine = "sine=frequency=440:sample_rate=" + std::to_string(c.sample_rate) +
             ":duration=" + seconds;
    argv.insert(argv.end(), {"-f", "lavfi", "-i", sine});
  }
  argv.insert(argv.end(), {"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"});
  if (c.audio) {
    argv.insert(argv.end(), {"-c:a", "aac"});
    if (c.channels > 0) argv.insert(argv.end(), {"-ac", std::to_string(c.channels)});
    argv.push_back("-shortest");
  }
  if (c.faststart) argv.insert(argv.end(), {"-movflags", "+faststart"});
  argv.push_back(out.string());
  return run_command(argv, {}, std::chrono::seconds(60));
}

}  // namespace sgtest
