// In-process tests of the pure parts: base64, tus header parsing, digests, multipart.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base64.hpp"
#include "hasher.hpp"
#include "multipart.hpp"
#include "tus_headers.hpp"
#include "utf8.hpp"

namespace sg::upload {
namespace {

TEST(Base64, RoundTripsAndRejectsGarbage) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba",
                                                       "foobar", std::string("\0\xff\x10", 3)}) {
    auto enc = base64_encode(s);
    auto dec = base64_decode(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, s);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(*base64_decode("Zm8"), "fo");  // unpadded accepted
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Z"));
  EXPECT_FALSE(base64_decode("Zm9=v"));
  EXPECT_FALSE(base64_decode("Zm9==="));
  EXPECT_FALSE(base64_decode("Zn=="));  // non-zero trailing bits
}

TEST(TusHeaders, SizeHeaderAcceptsOnlyPlainDecimals) {
  EXPECT_EQ(parse_size_header("Upload-Length", "0").value(), 0u);
  EXPECT_EQ(parse_size_header("Upload-Length", " 1234 ").value(), 1234u);
  for (const char* bad : {"", "-1", "+1", "1.5", "abc", "12a", "0x10", "99999999999999999999",
                          "9223372036854775807"}) {
    auto r = parse_size_header("Upload-Length", bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().status(), 400);
    EXPECT_EQ(r.error().code(), "invalid_header");
  }
}

TEST(TusHeaders, MetadataDecodesPairsAndRejectsBadBase64) {
  auto m = parse_metadata(
      "filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential, title SGVsbG8");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->at("filename"), "world_domination_plan.pdf");
  EXPECT_EQ(m->at("is_confidential"), "");
  EXPECT_EQ(m->at("title"), "Hello");
  EXPECT_TRUE(parse_metadata("").ok());
  for (const char* bad :
       {"filename !!!", "a YQ==,a YQ==", ",", "filename YQ== extra", "k\x01 YQ=="}) {
    auto r = parse_metadata(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().status(), 400);
  }
}

// Issue 10 item 7: metadata values become JSON, whose writer throws on ill-formed UTF-8.
TEST(TusHeaders, MetadataValuesWithIllFormedUtf8AreRepaired) {
  std::string ri;
  for (int i = 0; i < 67; ++i) ri += "\xE6\x97\xA5";  // 67 x U+65E5, 201 bytes
  std::string cut = ri.substr(0, 200);                // cut mid-character by some limit
  auto m = parse_metadata("filename " + base64_encode(cut) + ",raw " +
                          base64_encode(std::string("a\xff\xfe\xc3(b\xed\xa0\x80", 9)));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->at("filename"), ri.substr(0, 198) + "\xEF\xBF\xBD");
  EXPECT_TRUE(is_valid_utf8(m->at("raw")));
  EXPECT_EQ(m->at("raw"),
            "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD(b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_NO_THROW((void)nlohmann::json(m.value()).dump());
}

TEST(Utf8, RepairsMaximalSubpartsAndCutsAtCharacterBoundaries) {
  EXPECT_TRUE(is_valid_utf8("plain \xE6\x97\xA5 \xF0\x9F\x8E\xAC"));
  for (const char* bad :
       {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", "\xE6\x97", "\xFF"})
    EXPECT_FALSE(is_valid_utf8(bad)) << bad;
  EXPECT_EQ(repair_utf8("ok"), "ok");
  EXPECT_EQ(repair_utf8("\xE6\x97x"), "\xEF\xBF\xBDx");  // one U+FFFD per maximal subpart
  EXPECT_EQ(repair_utf8("\xF0\x9F\x8E"), "\xEF\xBF\xBD");
  EXPECT_EQ(repair_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  std::string s =
      "a\xE6\x97\xA5\xF0\x9F\x8E\xAC"
      "b";
  EXPECT_EQ(utf8_prefix(s, 0), "");
  EXPECT_EQ(utf8_prefix(s, 2), "a\xE6\x97\xA5");
  EXPECT_EQ(utf8_prefix(s, 3), "a\xE6\x97\xA5\xF0\x9F\x8E\xAC");
  EXPECT_EQ(utf8_prefix(s, 99), s);
}

// Issue 10 item 5: one partial listed many times multiplied its bytes past every limit.
TEST(TusHeaders, ConcatRefusesAPartListedTwice) {
  const std::string a = "/files/6f1c2b9e-8d3a-4f5b-9c7d-1e2f3a4b5c6d";
  auto r = parse_concat("final;" + a + " http://host" + a);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status(), 400);
  EXPECT_EQ(r.error().code(), "duplicate_concat_part");
}

TEST(TusHeaders, ChecksumHeader) {
  Hasher h(DigestAlgorithm::sha1);
  h.update("hello");
  auto ok = parse_checksum("sha1 " + base64_encode(h.digest()));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->algorithm, DigestAlgorithm::sha1);
  EXPECT_EQ(ok->digest, h.digest());
  auto unknown = parse_checksum("crc32 AAAA");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().status(), 400);
  EXPECT_EQ(unknown.error().code(), "unsupported_checksum_algorithm");
  EXPECT_FALSE(parse_checksum("sha256 " + base64_encode(h.digest())).ok());  // wrong size
  EXPECT_FALSE(parse_checksum("sha1").ok());
  EXPECT_FALSE(parse_checksum("sha1 ***").ok());
}

TEST(TusHeaders, ConcatHeader) {
  auto p = parse_concat("partial");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->partial);
  std::string a = "0b2a8c3e-1f4d-4c5e-8a9b-0c1d2e3f4a5b";
  std::string b = "1b2a8c3e-1f4d-4c5e-8a9b-0c1d2e3f4a5b";
  auto f = parse_concat("final;/files/" + a + " http://127.0.0.1:8080/files/" + b);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->final_upload);
  EXPECT_EQ(f->parts, (std::vector<std::string>{a, b}));
  EXPECT_FALSE(parse_concat("final;").ok());
  EXPECT_FALSE(parse_concat("final;/files/../../etc/passwd").ok());
  EXPECT_FALSE(parse_concat("whole").ok());
}

TEST(TusHeaders, UploadIdsAreCanonicalUuids) {
  auto id = new_upload_id();
  EXPECT_TRUE(valid_upload_id(id)) << id;
  EXPECT_NE(id, new_upload_id());
  EXPECT_FALSE(valid_upload_id("../etc/passwd"));
  EXPECT_FALSE(valid_upload_id("0B2A8C3E-1F4D-4C5E-8A9B-0C1D2E3F4A5B"));
  EXPECT_EQ(http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(Hasher, KnownVectorsAndCopies) {
  Hasher s(DigestAlgorithm::sha256);
  s.update("abc");
  EXPECT_EQ(s.hex_digest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Hasher copy = s;
  copy.update("d");
  EXPECT_EQ(s.hex_digest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_NE(copy.hex_digest(), s.hex_digest());
  Hasher m(DigestAlgorithm::md5);
  m.update("abc");
  EXPECT_EQ(m.hex_digest(), "900150983cd24fb0d6963f7d28e17f72");
  Hasher one(DigestAlgorithm::sha1);
  one.update("abc");
  EXPECT_EQ(one.hex_digest(), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

struct Collected {
  std::vector<PartInfo> parts;
  std::vector<std::string> bodies;
};

MultipartHandler collector(Collected& c) {
  return MultipartHandler{[&c](const PartInfo& p) {
                            c.parts.push_back(p);
                            c.bodies.emplace_back();
                            return ok_status();
                          },
                          [&c](std::string_view d) {
                            c.bodies.back().append(d);
                            return ok_status();
                          },
                          [] { return ok_status(); }};
}

TEST(Multipart, ParsesFieldsAndFileFedByteByByte) {
  std::string body =
      "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nMy clip\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../a;b.mp4\"\r\n"
      "Content-Type: video/mp4\r\n\r\n\r\n--Xy-almost-a-delimiter\r\n\xff"
      "\r\n--XyZ--\r\nepilogue";
  for (size_t step : {size_t{1}, size_t{3}, size_t{7}, body.size()}) {
    Collected c;
    MultipartParser p("XyZ", collector(c));
    for (size_t i = 0; i < body.size(); i += step)
      ASSERT_TRUE(p.feed(std::string_view(body).substr(i, step)).ok());
    ASSERT_TRUE(p.finish().ok());
    ASSERT_EQ(c.parts.size(), 2u);
    EXPECT_EQ(c.parts[0].name, "title");
    EXPECT_EQ(c.bodies[0], "My clip");
    EXPECT_EQ(c.parts[1].name, "file");
    EXPECT_TRUE(c.parts[1].has_filename);
    EXPECT_EQ(c.parts[1].filename, "../../a;b.mp4");
    EXPECT_EQ(c.parts[1].content_type, "video/mp4");
    EXPECT_EQ(c.bodies[1], "\r\n--Xy-almost-a-delimiter\r\n\xff") << "step " << step;
  }
}

TEST(Multipart, RejectsTruncatedAndMalformedBodies) {
  Collected c;
  MultipartParser p("b", collector(c));
  ASSERT_TRUE(p.feed("--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nabc").ok());
  EXPECT_EQ(p.finish().error().status(), 400);
  Collected c2;
  MultipartParser q("b", collector(c2));
  EXPECT_FALSE(q.feed("--b\r\nX-Nothing: 1\r\n\r\nabc\r\n--b--").ok());
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"a b\"").value(), "a b");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data;boundary=xyz").value(), "xyz");
  EXPECT_FALSE(multipart_boundary("application/json"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data"));
}

}  // namespace
}  // namespace sg::upload

#include "media_files.hpp"
#include "probe.hpp"
#include "support.hpp"

namespace sg::upload {
namespace {

TEST(Probe, AcceptsRealVideoAndRejectsOtherBytes) {
  sgtest::TempDir dir("sg-upload-probe");
  auto video = dir.path() / "data";  // no extension: probing must go by content
  ASSERT_TRUE(sgtest::upload::make_test_video(video));
  auto info = probe_media(video);
  ASSERT_TRUE(info.ok()) << info.error().what();
  EXPECT_EQ(info->at("width"), 320);
  EXPECT_EQ(info->at("height"), 240);
  EXPECT_TRUE(info->at("has_video").get<bool>());
  EXPECT_TRUE(info->at("has_audio").get<bool>());
  EXPECT_GT(info->at("duration").get<double>(), 1.5);

  auto text = dir.path() / "text";
  std::ofstream(text) << "this is not a video, whatever its name says\n";
  auto r = probe_media(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status(), 422);
  EXPECT_EQ(r.error().code(), "not_media");

  auto random = dir.path() / "random";
  sgtest::upload::make_random_file(random, 100000);
  EXPECT_FALSE(probe_media(random).ok());

  auto png = dir.path() / "png";
  ASSERT_TRUE(sgtest::upload::make_png(png));
  EXPECT_FALSE(probe_media(png).ok());
  EXPECT_FALSE(probe_media(dir.path() / "missing").ok());
}

// Issue 10 item 6: inputs whose demuxer reads other files must never count as media, even
// when the file they name is a real video (here a playlist pointing at one).
TEST(Probe, RefusesContainersThatNameOtherFiles) {
  sgtest::TempDir dir("sg-upload-probe-refuse");
  auto victim = dir.path() / "victim.mp4";
  ASSERT_TRUE(sgtest::upload::make_test_video(victim));
  auto write = [&](const char* name, const std::string& text) {
    std::ofstream(dir.path() / name, std::ios::binary) << text;
    return dir.path() / name;
  };
  struct Case {
    std::filesystem::path file;
    std::string reason;
  };
  const std::string v = victim.string();
  std::vector<Case> cases{
      {write("hls", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n" + v + "\n#EXT-X-ENDLIST\n"),
       "unsupported container: hls playlists are not accepted as uploads"},
      {write("concat", "ffconcat version 1.0\nfile '" + v + "'\n"),
       "unsupported container: concat scripts are not accepted as uploads"},
      {write("sdp",
             "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\n"
             "m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n"),
       "unsupported container: SDP session descriptions are not accepted as uploads"},
  };
  for (const auto& c : cases) {
    auto r = probe_media(c.file);
    ASSERT_FALSE(r.ok()) << c.file << " was accepted: " << r->dump();
    EXPECT_EQ(r.error().status(), 422);
    EXPECT_EQ(r.error().code(), "unsupported_container");
    EXPECT_EQ(r.error().what(), c.reason);
  }
  // A bare playlist that no demuxer claims is simply not media.
  auto bare = probe_media(write("bare", "#EXTM3U\n#EXTINF:1,\n/etc/passwd\n"));
  ASSERT_FALSE(bare.ok());
  EXPECT_EQ(bare.error().status(), 422);
  // A still image (image2 family) is refused by name.
  auto png = dir.path() / "png";
  ASSERT_TRUE(sgtest::upload::make_png(png));
  auto still = probe_media(png);
  ASSERT_FALSE(still.ok());
  EXPECT_EQ(still.error().code(), "unsupported_container");
  EXPECT_NE(std::string(still.error().what()).find("still images"), std::string::npos);
  // The real video itself still probes.
  EXPECT_TRUE(probe_media(victim).ok());
}

}  // namespace
}  // namespace sg::upload
