#include "media_files.hpp"

#include <cstdlib>
#include <fstream>
#include <random>

#include "hasher.hpp"

namespace sgtest::upload {

bool make_test_video(const std::filesystem::path& out, int seconds) {
  std::string cmd =
      "ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc=duration=" + std::to_string(seconds) +
      ":size=320x240:rate=25 -f lavfi -i sine=duration=" + std::to_string(seconds) +
      " -shortest -c:v libx264 -preset ultrafast -c:a aac -f mp4 '" + out.string() + "'";
  return std::system(cmd.c_str()) == 0 && std::filesystem::exists(out);
}

void make_random_file(const std::filesystem::path& out, size_t size, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::ofstream f(out, std::ios::binary);
  std::string buf;
  while (size > 0) {
    size_t n = std::min<size_t>(size, 1 << 16);
    buf.resize(n);
    for (size_t i = 0; i < n; i += 8) {
      uint64_t v = rng();
      for (size_t k = 0; k < 8 && i + k < n; ++k) buf[i + k] = static_cast<char>(v >> (8 * k));
    }
    f.write(buf.data(), static_cast<std::streamsize>(n));
    size -= n;
  }
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool make_png(const std::filesystem::path& out) {
  return std::system(("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc=size=64x64 "
                      "-frames:v 1 -f image2 -c:v png '" +
                      out.string() + "'")
                         .c_str()) == 0;
}

std::string sha256_hex_of(std::string_view data) {
  sg::upload::Hasher h(sg::upload::DigestAlgorithm::sha256);
  h.update(data);
  return h.hex_digest();
}

}  // namespace sgtest::upload
