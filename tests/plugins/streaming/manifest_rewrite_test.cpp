// Playback tokens on every URI of HLS playlists, the DASH MPD and the storyboard VTT.
#include <gtest/gtest.h>

#include "manifest_rewrite.hpp"

using namespace sg::streaming;

TEST(ManifestRewrite, HlsMasterPlaylist) {
  const std::string in =
      "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"audio\",DEFAULT=YES,URI=\"audio/"
      "index.m3u8\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS=\"avc1.64001f,mp4a.40.2\",AUDIO=\"aud\"\n"
      "720p/index.m3u8\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=500000\n360p/index.m3u8\n";
  const std::string out = rewrite_hls(in, "T.k-_");
  EXPECT_EQ(out,
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"audio\",DEFAULT=YES,URI=\"audio/"
            "index.m3u8?token=T.k-_\"\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS=\"avc1.64001f,mp4a.40.2\",AUDIO=\"aud\"\n"
            "720p/index.m3u8?token=T.k-_\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=500000\n360p/index.m3u8?token=T.k-_\n");
}

TEST(ManifestRewrite, HlsMediaPlaylistKeepsCrLfAndExistingQueries) {
  const std::string in =
      "#EXTM3U\r\n#EXT-X-MAP:URI=\"init.mp4\"\r\n#EXTINF:4.000,\r\nseg-00001.m4s\r\n"
      "#EXTINF:2.0,\r\nseg-00002.m4s?x=1\r\n\r\nhttps://cdn.example/abs.m4s\r\n#EXT-X-ENDLIST\r\n";
  EXPECT_EQ(rewrite_hls(in, "T"),
            "#EXTM3U\r\n#EXT-X-MAP:URI=\"init.mp4?token=T\"\r\n#EXTINF:4.000,\r\n"
            "seg-00001.m4s?token=T\r\n#EXTINF:2.0,\r\nseg-00002.m4s?x=1&token=T\r\n\r\n"
            "https://cdn.example/abs.m4s\r\n#EXT-X-ENDLIST\r\n");
}

TEST(ManifestRewrite, MpdSegmentTemplates) {
  const std::string in =
      R"(<MPD mediaPresentationDuration="PT8S"><Period><AdaptationSet mimeType="video/mp4">)"
      R"(<SegmentTemplate timescale="90000" media="$RepresentationID$/seg-$Number%05d$.m4s" )"
      R"(initialization="$RepresentationID$/init.mp4" startNumber="1"/>)"
      R"(<Representation id="720p" bandwidth="1"/></AdaptationSet></Period></MPD>)";
  EXPECT_EQ(
      rewrite_mpd(in, "T"),
      R"(<MPD mediaPresentationDuration="PT8S"><Period><AdaptationSet mimeType="video/mp4">)"
      R"(<SegmentTemplate timescale="90000" media="$RepresentationID$/seg-$Number%05d$.m4s?token=T" )"
      R"(initialization="$RepresentationID$/init.mp4?token=T" startNumber="1"/>)"
      R"(<Representation id="720p" bandwidth="1"/></AdaptationSet></Period></MPD>)");
  EXPECT_EQ(rewrite_mpd(R"(<S media="a.m4s?x=1"/>)", "T"), R"(<S media="a.m4s?x=1&amp;token=T"/>)");
}

TEST(ManifestRewrite, StoryboardVtt) {
  const std::string in =
      "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nstoryboard.jpg#xywh=0,0,160,90\n\n"
      "00:00:02.000 --> 00:00:04.000\nstoryboard.jpg#xywh=160,0,160,90\n";
  EXPECT_EQ(rewrite_vtt(in, "T"),
            "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nstoryboard.jpg?token=T#xywh=0,0,160,90\n\n"
            "00:00:02.000 --> 00:00:04.000\nstoryboard.jpg?token=T#xywh=160,0,160,90\n");
}
