// Puts a playback token on every URI of a manifest, so players that cannot add headers
// (Safari's native HLS, <video src>, Chromecast) carry it on each request. The manifests on
// disk stay token-free; the transcoder writes relative URIs only, without a query.
#pragma once

#include <string>
#include <string_view>

namespace sg::streaming {

// HLS (master or media playlist): every URI line and every URI="..." attribute.
std::string rewrite_hls(std::string_view playlist, std::string_view token);
// DASH MPD: the SegmentTemplate `media` and `initialization` attributes (BaseURL is left
// alone: the transcoder writes none, and a query on a directory URL is lost in resolution).
std::string rewrite_mpd(std::string_view mpd, std::string_view token);
// WebVTT storyboard: the image reference of each cue ("storyboard.jpg#xywh=..." ->
// "storyboard.jpg?token=T#xywh=...").
std::string rewrite_vtt(std::string_view vtt, std::string_view token);

}  // namespace sg::streaming
