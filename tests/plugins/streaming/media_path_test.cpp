// Which request paths name a media file: the transcoder's layout and nothing else.
#include <gtest/gtest.h>

#include "media_path.hpp"

using sg::streaming::FileKind;
using sg::streaming::normalise_content_id;
using sg::streaming::parse_media_path;

TEST(MediaPath, AcceptsTheTranscoderLayout) {
  struct Case {
    const char* path;
    FileKind kind;
    const char* type;
  } cases[] = {
      {"master.m3u8", FileKind::master_playlist, "application/vnd.apple.mpegurl"},
      {"manifest.mpd", FileKind::mpd, "application/dash+xml"},
      {"poster.jpg", FileKind::poster, "image/jpeg"},
      {"storyboard.jpg", FileKind::storyboard_image, "image/jpeg"},
      {"storyboard.vtt", FileKind::storyboard_vtt, "text/vtt"},
      {"720p/index.m3u8", FileKind::media_playlist, "application/vnd.apple.mpegurl"},
      {"1080p/init.mp4", FileKind::init_segment, "video/mp4"},
      {"360p/seg-00001.m4s", FileKind::media_segment, "video/mp4"},
      {"audio/init.mp4", FileKind::init_segment, "audio/mp4"},
      {"audio/seg-12345.m4s", FileKind::media_segment, "audio/mp4"},
      {"2160p/seg-100000.m4s", FileKind::media_segment, "video/mp4"},
  };
  for (const auto& c : cases) {
    auto f = parse_media_path(c.path);
    ASSERT_TRUE(f) << c.path;
    EXPECT_EQ(f->relative, c.path);
    EXPECT_EQ(f->kind, c.kind) << c.path;
    EXPECT_STREQ(content_type(*f), c.type) << c.path;
  }
}

TEST(MediaPath, RefusesEverythingElse) {
  for (const char* p : {"",
                        "/",
                        "../master.m3u8",
                        "720p/../../etc/passwd",
                        "..",
                        "720p/..",
                        "./master.m3u8",
                        "720p//index.m3u8",
                        "720p/./index.m3u8",
                        "720p\\index.m3u8",
                        "%2e%2e/master.m3u8",
                        "720p/%2e%2e",
                        "..%2fmaster.m3u8",
                        "%252e%252e/x",
                        "MASTER.M3U8",
                        "720p/index.m3u8/",
                        "/master.m3u8",
                        "720p",
                        "0720p/index.m3u8",
                        "72p0/index.m3u8",
                        "p/index.m3u8",
                        "720p/seg-1.m4s",
                        "720p/seg-0001a.m4s",
                        "720p/seg-00001.m4s.bak",
                        "720p/other.mp4",
                        "audio/poster.jpg",
                        "video/index.m3u8",
                        "720p/sub/seg-00001.m4s",
                        ".tmp-x/master.m3u8",
                        "poster.jpg.tmp",
                        "master.m3u8?x",
                        "720p/seg-1234567890.m4s"}) {
    EXPECT_FALSE(parse_media_path(p)) << p;
  }
  EXPECT_FALSE(parse_media_path(std::string_view("master.m3u8\0", 12)));
}

TEST(MediaPath, ContentIdsAreLowerCaseUuids) {
  EXPECT_EQ(normalise_content_id("0F8FAD5B-D9CB-469F-A165-70867728950E"),
            "0f8fad5b-d9cb-469f-a165-70867728950e");
  for (const char* bad :
       {"", "0f8fad5b", "0f8fad5b-d9cb-469f-a165-70867728950", "../../../etc",
        "0f8fad5b-d9cb-469f-a165-70867728950g", "0f8fad5bxd9cbx469fxa165x70867728950e",
        "0f8fad5b-d9cb-469f-a165-70867728950e/"})
    EXPECT_FALSE(normalise_content_id(bad)) << bad;
}
