// The manifest writers against exact expected text: a small two-rung set with audio (short
// last segments, NTSC frame rate, AAC-framed audio), no audio, audio only, timelines with
// varying durations and gaps, bitrate math, target-duration rounding, escaping and the
// inputs the writers refuse.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "manifests.hpp"
#include "media_set.hpp"

namespace {

using namespace sg::transcoder;

Rendition video(std::string id, int w, int h, uint64_t b1, uint64_t b2, uint64_t b3) {
  Rendition r;
  r.kind = Rendition::Kind::video;
  r.id = std::move(id);
  r.codecs = "avc1.64001f";
  r.timescale = 30000;
  r.width = w;
  r.height = h;
  r.frame_rate_num = 30000;
  r.frame_rate_den = 1001;
  // 120 frames at 29.97 = 4.004 s, twice, then 30 frames: 9.009 s.
  r.segments = {{0, 120120, b1}, {120120, 120120, b2}, {240240, 30030, b3}};
  return r;
}

Rendition audio() {
  Rendition r;
  r.kind = Rendition::Kind::audio;
  r.id = "audio";
  r.codecs = "mp4a.40.2";
  r.timescale = 48000;
  r.sample_rate = 48000;
  r.channels = 2;
  // Whole AAC frames (1024 samples): 188 frames = 4.010667 s, the rest up to 9.009 s.
  r.segments = {{0, 192512, 64000}, {192512, 192512, 64500}, {385024, 47408, 16000}};
  return r;
}

MediaSet small_set() {
  MediaSet set;
  set.duration = 9.009;
  set.video.push_back(video("720p", 1280, 720, 1000000, 800000, 100000));
  set.video.push_back(video("360p", 640, 360, 250000, 200000, 25000));
  set.audio = audio();
  return set;
}

TEST(SegmentName, FiveDigitsFromOneAndWiderWhenNeeded) {
  EXPECT_EQ(segment_name(1), "seg-00001.m4s");
  EXPECT_EQ(segment_name(42), "seg-00042.m4s");
  EXPECT_EQ(segment_name(99999), "seg-99999.m4s");
  EXPECT_EQ(segment_name(100000), "seg-100000.m4s");  // like $Number%05d$
}

TEST(Bitrate, PeakIsTheBusiestSegmentAverageIsTotalOverTime) {
  Rendition r;
  r.timescale = 1000;
  r.segments = {{0, 2000, 1000000}, {2000, 1000, 250000}, {3000, 500, 500000}};
  EXPECT_DOUBLE_EQ(r.duration_seconds(), 3.5);
  EXPECT_EQ(r.peak_bitrate(), 8000000u);  // 500 kB in 0.5 s
  // 1.75 MB * 8 / 3.5 s = 4 Mb/s exactly.
  EXPECT_EQ(r.average_bitrate(), 4000000u);
  // Fractions round up: a BANDWIDTH must not understate.
  r.segments = {{0, 3000, 1000}};
  EXPECT_EQ(r.peak_bitrate(), 2667u);  // 2666.67
  EXPECT_EQ(r.average_bitrate(), 2667u);
}

TEST(Bitrate, NtscRungs) {
  const auto v = small_set().video[0];
  EXPECT_DOUBLE_EQ(v.duration_seconds(), 9.009);
  EXPECT_EQ(v.peak_bitrate(), 1998002u);     // 8 Mb in 4.004 s = 1998001.998
  EXPECT_EQ(v.average_bitrate(), 1687202u);  // 15.2 Mb in 9.009 s = 1687201.687
  const auto a = audio();
  EXPECT_EQ(a.peak_bitrate(), 129599u);  // the short last segment is the busiest
  EXPECT_EQ(a.average_bitrate(), 128317u);
}

TEST(Bitrate, EmptyOrUntimedRenditionIsZero) {
  Rendition r;
  EXPECT_EQ(r.peak_bitrate(), 0u);
  EXPECT_EQ(r.average_bitrate(), 0u);
  EXPECT_EQ(r.duration_seconds(), 0.0);
  r.segments = {{0, 100, 100}};  // timescale 0
  EXPECT_EQ(r.peak_bitrate(), 0u);
  EXPECT_EQ(r.duration_seconds(), 0.0);
}

TEST(HlsMaster, ExactText) {
  EXPECT_EQ(hls_master_playlist(small_set()),
            "#EXTM3U\n"
            "#EXT-X-VERSION:7\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"default\",DEFAULT=YES,"
            "AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio/index.m3u8\"\n"
            // 1998002 + 129599, 1687202 + 128317
            "#EXT-X-STREAM-INF:BANDWIDTH=2127601,AVERAGE-BANDWIDTH=1815519,"
            "CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=29.970,"
            "AUDIO=\"audio\"\n"
            "720p/index.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=629100,AVERAGE-BANDWIDTH=550118,"
            "CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=640x360,FRAME-RATE=29.970,"
            "AUDIO=\"audio\"\n"
            "360p/index.m3u8\n");
}

TEST(HlsMaster, WithoutAudio) {
  auto set = small_set();
  set.audio.reset();
  set.video.resize(1);
  set.video[0].frame_rate_num = 30;
  set.video[0].frame_rate_den = 1;
  EXPECT_EQ(hls_master_playlist(set),
            "#EXTM3U\n"
            "#EXT-X-VERSION:7\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=1998002,AVERAGE-BANDWIDTH=1687202,"
            "CODECS=\"avc1.64001f\",RESOLUTION=1280x720,FRAME-RATE=30.000\n"
            "720p/index.m3u8\n");
}

TEST(HlsMaster, AudioOnlyIsOneAudioVariant) {
  MediaSet set;
  set.audio = audio();
  EXPECT_EQ(hls_master_playlist(set),
            "#EXTM3U\n"
            "#EXT-X-VERSION:7\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=129599,AVERAGE-BANDWIDTH=128317,"
            "CODECS=\"mp4a.40.2\"\n"
            "audio/index.m3u8\n");
}

TEST(HlsMedia, VideoWithShortLastSegment) {
  // 4.004 s rounds to 4, but the target is the ceiling (see hls_media_playlist).
  EXPECT_EQ(hls_media_playlist(small_set().video[0]),
            "#EXTM3U\n"
            "#EXT-X-VERSION:7\n"
            "#EXT-X-TARGETDURATION:5\n"
            "#EXT-X-MEDIA-SEQUENCE:1\n"
            "#EXT-X-PLAYLIST-TYPE:VOD\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MAP:URI=\"init.mp4\"\n"
            "#EXTINF:4.004000,\n"
            "seg-00001.m4s\n"
            "#EXTINF:4.004000,\n"
            "seg-00002.m4s\n"
            "#EXTINF:1.001000,\n"
            "seg-00003.m4s\n"
            "#EXT-X-ENDLIST\n");
}

TEST(HlsMedia, AudioDurationsToTheMicrosecond) {
  const auto text = hls_media_playlist(audio());
  EXPECT_NE(text.find("#EXTINF:4.010667,\nseg-00001.m4s\n"), std::string::npos) << text;
  EXPECT_NE(text.find("#EXTINF:0.987667,\nseg-00003.m4s\n#EXT-X-ENDLIST\n"), std::string::npos)
      << text;
}

TEST(HlsMedia, TargetDurationIsTheCeilingOfThePrintedDuration) {
  Rendition r = audio();
  r.timescale = 10000000;
  r.segments = {{0, 40000001, 1000}};  // 4.0000001 s prints as 4.000000: target 4
  EXPECT_NE(hls_media_playlist(r).find("#EXT-X-TARGETDURATION:4\n"), std::string::npos);
  r.segments = {{0, 40000010, 1000}};  // 4.000001 s: target 5
  EXPECT_NE(hls_media_playlist(r).find("#EXT-X-TARGETDURATION:5\n"), std::string::npos);
  r.segments = {{0, 5000000, 1000}};  // 0.5 s: target 1
  EXPECT_NE(hls_media_playlist(r).find("#EXT-X-TARGETDURATION:1\n"), std::string::npos);
}

TEST(Dash, ExactText) {
  EXPECT_EQ(
      dash_manifest(small_set()),
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" "
      "profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" type=\"static\" "
      "mediaPresentationDuration=\"PT9.009S\" minBufferTime=\"PT4.011S\">\n"
      "  <Period id=\"0\" start=\"PT0S\">\n"
      "    <AdaptationSet id=\"0\" contentType=\"video\" mimeType=\"video/mp4\" "
      "segmentAlignment=\"true\" startWithSAP=\"1\" maxWidth=\"1280\" maxHeight=\"720\" "
      "maxFrameRate=\"30000/1001\">\n"
      "      <Representation id=\"720p\" codecs=\"avc1.64001f\" bandwidth=\"1998002\" "
      "width=\"1280\" height=\"720\" frameRate=\"30000/1001\" sar=\"1:1\">\n"
      "        <SegmentTemplate timescale=\"30000\" initialization=\"$RepresentationID$/init.mp4\" "
      "media=\"$RepresentationID$/seg-$Number%05d$.m4s\" startNumber=\"1\">\n"
      "          <SegmentTimeline>\n"
      "            <S t=\"0\" d=\"120120\" r=\"1\"/>\n"
      "            <S d=\"30030\"/>\n"
      "          </SegmentTimeline>\n"
      "        </SegmentTemplate>\n"
      "      </Representation>\n"
      "      <Representation id=\"360p\" codecs=\"avc1.64001f\" bandwidth=\"499501\" "
      "width=\"640\" height=\"360\" frameRate=\"30000/1001\" sar=\"1:1\">\n"
      "        <SegmentTemplate timescale=\"30000\" initialization=\"$RepresentationID$/init.mp4\" "
      "media=\"$RepresentationID$/seg-$Number%05d$.m4s\" startNumber=\"1\">\n"
      "          <SegmentTimeline>\n"
      "            <S t=\"0\" d=\"120120\" r=\"1\"/>\n"
      "            <S d=\"30030\"/>\n"
      "          </SegmentTimeline>\n"
      "        </SegmentTemplate>\n"
      "      </Representation>\n"
      "    </AdaptationSet>\n"
      "    <AdaptationSet id=\"1\" contentType=\"audio\" mimeType=\"audio/mp4\" lang=\"und\" "
      "segmentAlignment=\"true\" startWithSAP=\"1\">\n"
      "      <Representation id=\"audio\" codecs=\"mp4a.40.2\" bandwidth=\"129599\" "
      "audioSamplingRate=\"48000\">\n"
      "        <AudioChannelConfiguration "
      "schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"2\"/>\n"
      "        <SegmentTemplate timescale=\"48000\" initialization=\"$RepresentationID$/init.mp4\" "
      "media=\"$RepresentationID$/seg-$Number%05d$.m4s\" startNumber=\"1\">\n"
      "          <SegmentTimeline>\n"
      "            <S t=\"0\" d=\"192512\" r=\"1\"/>\n"
      "            <S d=\"47408\"/>\n"
      "          </SegmentTimeline>\n"
      "        </SegmentTemplate>\n"
      "      </Representation>\n"
      "    </AdaptationSet>\n"
      "  </Period>\n"
      "</MPD>\n");
}

TEST(Dash, WithoutAudioHasOnlyTheVideoSet) {
  auto set = small_set();
  set.audio.reset();
  set.video[0].frame_rate_num = 25;  // whole rates print without a denominator
  set.video[0].frame_rate_den = 1;
  const auto mpd = dash_manifest(set);
  EXPECT_EQ(mpd.find("contentType=\"audio\""), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("minBufferTime=\"PT4.004S\""), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("frameRate=\"25\" sar"), std::string::npos) << mpd;
  // 25 > 29.97 is false: the max is still the NTSC rung.
  EXPECT_NE(mpd.find("maxFrameRate=\"30000/1001\""), std::string::npos) << mpd;
}

TEST(Dash, LongDurationsUseHoursAndMinutes) {
  auto set = small_set();
  set.audio.reset();
  set.video.resize(1);
  set.video[0].segments = {{0, 30000 * 3723 + 15000, 100}};  // 1h 2m 3.5s
  EXPECT_NE(dash_manifest(set).find("mediaPresentationDuration=\"PT1H2M3.500S\""),
            std::string::npos);
  set.video[0].segments = {{0, 30000 * 60 + 15000, 100}};
  EXPECT_NE(dash_manifest(set).find("mediaPresentationDuration=\"PT1M0.500S\""), std::string::npos);
}

TEST(Dash, VaryingAudioDurationsFoldIntoRuns) {
  MediaSet set;
  set.audio = audio();
  auto& segs = set.audio->segments;
  segs.clear();
  int64_t t = 0;
  for (int64_t d : {192512, 192512, 191488, 192512, 192512, 192512, 47408}) {
    segs.push_back({t, d, 1000});
    t += d;
  }
  const auto mpd = dash_manifest(set);
  EXPECT_NE(mpd.find("<SegmentTimeline>\n"
                     "            <S t=\"0\" d=\"192512\" r=\"1\"/>\n"
                     "            <S d=\"191488\"/>\n"
                     "            <S d=\"192512\" r=\"2\"/>\n"
                     "            <S d=\"47408\"/>\n"
                     "          </SegmentTimeline>"),
            std::string::npos)
      << mpd;
  EXPECT_EQ(mpd.find("contentType=\"video\""), std::string::npos) << mpd;
}

TEST(Dash, GapInStartsRestartsWithT) {
  MediaSet set;
  set.audio = audio();
  // Equal durations but the third does not start where the second ended.
  set.audio->segments = {{0, 1000, 1}, {1000, 1000, 1}, {2500, 1000, 1}};
  const auto mpd = dash_manifest(set);
  EXPECT_NE(mpd.find("<S t=\"0\" d=\"1000\" r=\"1\"/>\n"
                     "            <S t=\"2500\" d=\"1000\"/>\n"),
            std::string::npos)
      << mpd;
}

TEST(Escaping, XmlAttributesAreEscaped) {
  auto set = small_set();
  set.audio->codecs = "mp4a.40.2&<x>\"'\t";
  const auto mpd = dash_manifest(set);
  EXPECT_NE(mpd.find("codecs=\"mp4a.40.2&amp;&lt;x&gt;&quot;&apos;&#9;\""), std::string::npos)
      << mpd;
  set.audio->codecs = std::string("mp4a\x01", 5);  // not representable in XML 1.0
  EXPECT_THROW(dash_manifest(set), std::invalid_argument);
}

TEST(Escaping, HlsRefusesWhatAQuotedStringCannotCarry) {
  auto set = small_set();
  set.video[1].codecs = "avc1\"x";
  EXPECT_THROW(hls_master_playlist(set), std::invalid_argument);
  set.video[1].codecs = "avc1\nx";
  EXPECT_THROW(hls_master_playlist(set), std::invalid_argument);
}

TEST(Validation, RenditionIds) {
  EXPECT_TRUE(is_valid_rendition_id("1080p"));
  EXPECT_TRUE(is_valid_rendition_id("audio_en-2.0"));
  for (const char* id : {"", ".", "..", "../x", "a/b", "a b", "a&b", "a\"b", "é"})
    EXPECT_FALSE(is_valid_rendition_id(id)) << id;
  EXPECT_FALSE(is_valid_rendition_id(std::string(65, 'a')));

  auto set = small_set();
  set.video[0].id = "../720p";
  EXPECT_THROW(hls_master_playlist(set), std::invalid_argument);
  EXPECT_THROW(dash_manifest(set), std::invalid_argument);
  EXPECT_THROW(hls_media_playlist(set.video[0]), std::invalid_argument);
}

TEST(Validation, UnusableRenditionsAreRefused) {
  EXPECT_THROW(hls_master_playlist(MediaSet{}), std::invalid_argument);
  EXPECT_THROW(dash_manifest(MediaSet{}), std::invalid_argument);
  auto r = audio();
  r.segments.clear();
  EXPECT_THROW(hls_media_playlist(r), std::invalid_argument);
  r = audio();
  r.timescale = 0;
  EXPECT_THROW(hls_media_playlist(r), std::invalid_argument);
  r = audio();
  r.segments[1].duration = 0;
  EXPECT_THROW(hls_media_playlist(r), std::invalid_argument);
  auto v = small_set().video[0];
  v.width = 0;
  EXPECT_THROW(hls_media_playlist(v), std::invalid_argument);
}

}  // namespace
