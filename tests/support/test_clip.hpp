// Test videos made with the ffmpeg CLI: testsrc2 pictures (+ a 440 Hz tone), H.264
// ultrafast yuv420p + AAC, as the transcoder, streaming and player tests upload or play.
#pragma once

#include <filesystem>
#include <string>

#include "process.hpp"

namespace sgtest {

struct TestClip {
  int seconds = 4;
  std::string size = "640x360";  // WxH
  int rate = 30;                 // frames per second
  bool audio = true;
  int sample_rate = 0;  // 0: the sine source's default (44100)
  int channels = 0;     // 0: the source's (mono)
  bool faststart = false;
};

// Writes `clip` to `out`; the ffmpeg exit code and output say whether it worked.
CommandResult make_test_clip(const std::filesystem::path& out, const TestClip& clip);

}  // namespace sgtest
