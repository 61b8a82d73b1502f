// The HLS playlists and the DASH manifest of one transcode, written from its MediaSet.
// Pure functions of their input (no I/O, no locale): the caller writes the strings to
// kMasterPlaylistName, <id>/kMediaPlaylistName and kDashManifestName.
//
// All three throw std::invalid_argument for a MediaSet they cannot describe correctly (a
// rendition without segments or timescale, an id that is not a safe path segment, a
// character the format cannot carry) rather than write a manifest players would reject.
#pragma once

#include <string>
#include <string_view>

#include "media_set.hpp"

namespace sg::transcoder {

// An id is a folder name and a URI path segment in both formats, and DASH substitutes it
// into $RepresentationID$ unescaped: 1..64 of [A-Za-z0-9._-], not "." or "..".
bool is_valid_rendition_id(std::string_view id);

// master.m3u8 (RFC 8216, version 7): one variant per video rendition, highest first, all
// sharing the audio rendition as the "audio" group. BANDWIDTH = video peak + audio peak,
// AVERAGE-BANDWIDTH = video average + audio average. An audio-only set gets one
// audio variant.
std::string hls_master_playlist(const MediaSet& set);

// <id>/index.m3u8: a VOD media playlist of the rendition's segments (numbered from 1, like
// the files), URIs relative to the rendition's folder.
std::string hls_media_playlist(const Rendition& rendition);

// manifest.mpd: a static isoff-live MPD, one Period, a video and an audio AdaptationSet,
// a SegmentTemplate with a run-length SegmentTimeline per Representation.
// @bandwidth is the rendition's PEAK segment bitrate, and minBufferTime the longest segment:
// ISO/IEC 23009-1 defines @bandwidth as a rate at which the Representation plays without
// stalls after a minBufferTime of data, which the average does not guarantee for a segment
// above the average (the same reason HLS BANDWIDTH is the peak).
std::string dash_manifest(const MediaSet& set);

}  // namespace sg::transcoder
