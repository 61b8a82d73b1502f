// Real media samples for tests, generated with the ffmpeg CLI (never checked in).
#pragma once

#include <filesystem>
#include <string>

namespace sgtest::upload {

// Writes a short H.264/AAC MP4 (320x240, `seconds` long) to `out`; false when ffmpeg fails.
bool make_test_video(const std::filesystem::path& out, int seconds = 2);
// Writes `size` pseudo-random bytes (deterministic for a seed).
// A one-frame 64x64 PNG (an image2-family input), made with the ffmpeg CLI.
bool make_png(const std::filesystem::path& out);
void make_random_file(const std::filesystem::path& out, size_t size, unsigned seed = 1);
std::string read_file(const std::filesystem::path& p);
std::string sha256_hex_of(std::string_view data);

}  // namespace sgtest::upload
