// A picture to a JPEG file (scaled and converted to full-range YUV on the way).
#pragma once

#include <filesystem>

#include "av_util.hpp"
#include "failure.hpp"

namespace sg::transcoder {

// `picture` is yuv420p (limited range); the file gets width x height (even).
Status write_jpeg(const AVFrame* picture, int width, int height, const std::filesystem::path& file);

}  // namespace sg::transcoder
