// tus 1.0.0 conformance over real sockets against a real streamgate: every rule of the
// upload issue, checking status codes AND headers.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "base64.hpp"
#include "hasher.hpp"
#include "media_files.hpp"
#include "upload_fixture.hpp"

namespace sgtest::upload {
namespace {

namespace fs = std::filesystem;

const std::string kCarol = "0xC0C0000000000000000000000000000000000003";

std::string b64(std::string_view s) {
  return sg::upload::base64_encode(s);
}

std::string digest_b64(sg::upload::DigestAlgorithm alg, std::string_view data) {
  sg::upload::Hasher h(alg);
  h.update(data);
  return b64(h.digest());
}

fs::path data_file(UploadServer& s, const std::string& location) {
  return s.server.data_dir() / "uploads" / id_of(location) / "data";
}

TEST(TusProtocol, OptionsAdvertisesTheServer) {
  UploadServer s(nlohmann::json{{"max_size", 123456789}});
  ASSERT_TRUE(s.start());
  auto r = http(s.port(), "OPTIONS", "/files/");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("Tus-Version"), "1.0.0");
  EXPECT_EQ(r.header("Tus-Max-Size"), "123456789");
  EXPECT_EQ(r.header("Tus-Checksum-Algorithm"), "sha1,sha256,md5");
  for (const char* ext : {"creation", "creation-defer-length", "creation-with-upload", "expiration",
                          "checksum", "termination", "concatenation"})
    EXPECT_NE(r.header("Tus-Extension").find(ext), std::string::npos) << ext;
}

TEST(TusProtocol, RefusesOtherProtocolVersionsWith412) {
  UploadServer s;
  ASSERT_TRUE(s.start());
  auto missing = http(s.port(), "POST", "/files/", "",
                      {{"Authorization", "Bearer test." + kAlice}, {"Upload-Length", "5"}});
  EXPECT_EQ(missing.status, 412);
  EXPECT_EQ(missing.header("Tus-Version"), "1.0.0");
  auto old = http(s.port(), "POST", "/files/", "",
                  {{"Authorization", "Bearer test." + kAlice},
                   {"Upload-Length", "5"},
                   {"Tus-Resumable", "0.2.2"}});
  EXPECT_EQ(old.status, 412);
  EXPECT_EQ(old.json()["error"]["code"], "unsupported_tus_version");
  std::string loc = s.create(5);
  auto head = http(s.port(), "HEAD", loc, "", {{"Authorization", "Bearer test." + kAlice}});
  EXPECT_EQ(head.status, 412);
  EXPECT_EQ(head.header("Tus-Version"), "1.0.0");
}

TEST(TusProtocol, CreateHeadPatchResumeAndComplete) {
  UploadServer s;
  ASSERT_TRUE(s.start());
  std::string meta = "filename " + b64("notes.txt") + ",title " + b64("My notes");
  auto created =
      http(s.port(), "POST", "/files/", "",
           UploadServer::tus(kAlice, {{"Upload-Length", "11"}, {"Upload-Metadata", meta}}));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("Tus-Resumable"), "1.0.0");
  std::string loc = created.header("Location");
  ASSERT_EQ(loc.rfind("/files/", 0), 0u) << loc;
  EXPECT_FALSE(created.header("Upload-Expires").empty());

  auto h0 = s.head(loc);
  EXPECT_EQ(h0.status, 200);
  EXPECT_EQ(h0.header("Upload-Offset"), "0");
  EXPECT_EQ(h0.header("Upload-Length"), "11");
  EXPECT_EQ(h0.header("Cache-Control"), "no-store");
  EXPECT_EQ(h0.header("Tus-Resumable"), "1.0.0");
  EXPECT_EQ(h0.header("Upload-Metadata"), meta);
  EXPECT_TRUE(h0.body.empty());

  auto p1 = s.patch(loc, 0, "hello");
  EXPECT_EQ(p1.status, 204) << p1.body;
  EXPECT_EQ(p1.header("Upload-Offset"), "5");
  EXPECT_EQ(p1.header("Tus-Resumable"), "1.0.0");
  EXPECT_FALSE(p1.header("Upload-Expires").empty());

  auto wrong = s.patch(loc, 3, "xx");
  EXPECT_EQ(wrong.status, 409);
  EXPECT_EQ(wrong.header("Tus-Resumable"), "1.0.0");
  EXPECT_EQ(wrong.json()["error"]["code"], "offset_mismatch");
  EXPECT_EQ(s.head(loc).header("Upload-Offset"), "5");

  auto ctype = http(s.port(), "PATCH", loc, " world",
                    UploadServer::tus(kAlice, {{"Upload-Offset", "5"},
                                               {"Content-Type", "application/octet-stream"}}));
  EXPECT_EQ(ctype.status, 415);
  EXPECT_EQ(ctype.json()["error"]["code"], "unsupported_media_type");

  auto p2 = s.patch(loc, 5, " world");
  EXPECT_EQ(p2.status, 204);
  EXPECT_EQ(p2.header("Upload-Offset"), "11");
  // Complete but not media: the bytes are accepted and the content marked failed.
  EXPECT_EQ(p2.header("StreamGate-Upload-State"), "failed");
  EXPECT_EQ(read_file(data_file(s, loc)), "hello world");

  auto again = s.patch(loc, 11, "!");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.json()["error"]["code"], "upload_complete");

  auto state = http(s.port(), "GET", "/api/v1/uploads/" + id_of(loc), "",
                    {{"Authorization", "Bearer test." + kAlice}});
  ASSERT_EQ(state.status, 200) << state.body;
  EXPECT_EQ(state.json()["state"], "failed");
  EXPECT_EQ(state.json()["sha256"], sha256_hex_of("hello world"));
  EXPECT_NE(state.json()["failure"].get<std::string>().find("not a playable"), std::string::npos);

  // Durable across a restart: the offset and bytes survive.
  std::string loc2 = s.create(10);
  ASSERT_EQ(s.patch(loc2, 0, "abc").status, 204);
  s.server.stop();
  ASSERT_TRUE(s.start());
  EXPECT_EQ(s.head(loc2).header("Upload-Offset"), "3");
  EXPECT_EQ(s.patch(loc2, 3, "defghij").status, 204);
  EXPECT_EQ(read_file(data_file(s, loc2)), "abcdefghij");
}

TEST(TusProtocol, ChecksumExtension) {
  UploadServer s;
  ASSERT_TRUE(s.start());
  using sg::upload::DigestAlgorithm;
  std::string loc = s.create(12);
  auto ok = s.patch(loc, 0, "abcd", kAlice,
                    {{"Upload-Checksum", "sha1 " + digest_b64(DigestAlgorithm::sha1, "abcd")}});
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(ok.header("Upload-Offset"), "4");
  auto bad =
      s.patch(loc, 4, "efgh", kAlice,
              {{"Upload-Checksum", "sha256 " + digest_b64(DigestAlgorithm::sha256, "EFGH")}});
  EXPECT_EQ(bad.status, 460);
  EXPECT_EQ(bad.header("Tus-Resumable"), "1.0.0");
  EXPECT_EQ(bad.json()["error"]["code"], "checksum_mismatch");
  EXPECT_EQ(s.head(loc).header("Upload-Offset"), "4");
  auto unknown = s.patch(loc, 4, "efgh", kAlice, {{"Upload-Checksum", "crc32 AAAAAA=="}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.json()["error"]["code"], "unsupported_checksum_algorithm");
  auto garbage = s.patch(loc, 4, "efgh", kAlice, {{"Upload-Checksum", "md5 not-base64!"}});
  EXPECT_EQ(garbage.status, 400);
  auto md5 = s.patch(loc, 4, "efgh", kAlice,
                     {{"Upload-Checksum", "md5 " + digest_b64(DigestAlgorithm::md5, "efgh")}});
  EXPECT_EQ(md5.status, 204);
  auto sha256 =
      s.patch(loc, 8, "ijkl", kAlice,
              {{"Upload-Checksum", "sha256 " + digest_b64(DigestAlgorithm::sha256, "ijkl")}});
  EXPECT_EQ(sha256.status, 204);
  EXPECT_EQ(read_file(data_file(s, loc)), "abcdefghijkl");
}

TEST(TusProtocol, DeferredLengthAndCreationWithUpload) {
  UploadServer s;
  ASSERT_TRUE(s.start());
  auto created = http(s.port(), "POST", "/files/", "",
                      UploadServer::tus(kAlice, {{"Upload-Defer-Length", "1"}}));
  ASSERT_EQ(created.status, 201);
  std::string loc = created.header("Location");
  auto h = s.head(loc);
  EXPECT_EQ(h.header("Upload-Defer-Length"), "1");
  EXPECT_FALSE(h.has_header("Upload-Length"));
  EXPECT_EQ(s.patch(loc, 0, "12345").status, 204);
  auto fin = s.patch(loc, 5, "678", kAlice, {{"Upload-Length", "8"}});
  EXPECT_EQ(fin.status, 204);
  EXPECT_EQ(fin.header("Upload-Offset"), "8");
  EXPECT_EQ(s.head(loc).header("Upload-Length"), "8");
  auto bad_defer = http(s.port(), "POST", "/files/", "",
                        UploadServer::tus(kAlice, {{"Upload-Defer-Length", "2"}}));
  EXPECT_EQ(bad_defer.status, 400);
  auto neither = http(s.port(), "POST", "/files/", "", UploadServer::tus(kAlice));
  EXPECT_EQ(neither.status, 400);

  auto with_body = http(
      s.port(), "POST", "/files/", "first",
      UploadServer::tus(
          kAlice, {{"Upload-Length", "9"}, {"Content-Type", "application/offset+octet-stream"}}));
  ASSERT_EQ(with_body.status, 201) << with_body.body;
  EXPECT_EQ(with_body.header("Upload-Offset"), "5");
  std::string loc2 = with_body.header("Location");
  EXPECT_EQ(s.head(loc2).header("Upload-Offset"), "5");
  EXPECT_EQ(s.patch(loc2, 5, "rest").status, 204);
  EXPECT_EQ(read_file(data_file(s, loc2)), "firstrest");
  auto wrong_type =
      http(s.port(), "POST", "/files/", "first",
           UploadServer::tus(kAlice, {{"Upload-Length", "9"}, {"Content-Type", "text/plain"}}));
  EXPECT_EQ(wrong_type.status, 415);
}

TEST(TusProtocol, MethodOverrideTurnsAPostIntoPatchHeadOrDelete) {
  UploadServer s;
  ASSERT_TRUE(s.start());
  std::string loc = s.create(10);
  auto patch =
      http(s.port(), "POST", loc, "hello",
           UploadServer::tus(kAlice, {{"X-HTTP-Method-Override", "PATCH"},
                                      {"Upload-Offset", "0"},
                                      {"Content-Type", "application/offset+octet-stream"}}));
  EXPECT_EQ(patch.status, 204) << patch.body;
  EXPECT_EQ(patch.header("Upload-Offset"), "5");
  auto head = http(s.port(), "POST", loc, "",
                   UploadServer::tus(kAlice, {{"X-HTTP-Method-Override", "HEAD"}}));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Upload-Offset"), "5");
  EXPECT_EQ(head.header("Cache-Control"), "no-store");
  // The same rules as the real methods: another wallet may not touch it.
  auto foreign = http(s.port(), "POST", loc, "",
                      UploadServer::tus(kBob, {{"X-HTTP-Method-Override", "DELETE"}}));
  EXPECT_TRUE(foreign.status == 403 || foreign.status == 404) << foreign.status;
  auto nothing = http(s.port(), "POST", loc, "", UploadServer::tus(kAlice));
  EXPECT_EQ(nothing.status, 405);
  EXPECT_EQ(nothing.json()["error"]["code"], "method_not_allowed");
  EXPECT_EQ(nothing.header("Tus-Resumable"), "1.0.0");
  auto del = http(s.port(), "POST", loc, "",
                  UploadServer::tus(kAlice, {{"X-HTTP-Method-Override", "DELETE"}}));
  EXPECT_EQ(del.status, 204);
  EXPECT_EQ(s.head(loc).status, 404);
}

TEST(TusProtocol, TerminationAndConcatenation) {
  UploadServer s;
  ASSERT_TRUE(s.start());
  std::string doomed = s.create(4);
  auto del = http(s.port(), "DELETE", doomed, "", UploadServer::tus());
  EXPECT_EQ(del.status, 204);
  EXPECT_EQ(del.header("Tus-Resumable"), "1.0.0");
  EXPECT_EQ(s.head(doomed).status, 404);
  EXPECT_FALSE(fs::exists(s.server.data_dir() / "uploads" / id_of(doomed)));

  std::string a = s.create(3, kAlice, {{"Upload-Concat", "partial"}});
  std::string b = s.create(4, kAlice, {{"Upload-Concat", "partial"}});
  EXPECT_EQ(s.head(a).header("Upload-Concat"), "partial");
  EXPECT_EQ(s.patch(b, 0, "BBBB").status, 204);
  // A final upload over an incomplete part is refused.
  auto early = http(s.port(), "POST", "/files/", "",
                    UploadServer::tus(kAlice, {{"Upload-Concat", "final;" + a + " " + b}}));
  EXPECT_EQ(early.status, 400);
  EXPECT_EQ(s.patch(a, 0, "AAA").status, 204);
  auto with_len = http(s.port(), "POST", "/files/", "",
                       UploadServer::tus(kAlice, {{"Upload-Concat", "final;" + a + " " + b},
                                                  {"Upload-Length", "7"}}));
  EXPECT_EQ(with_len.status, 400);
  std::string url_b = "http://127.0.0.1:" + std::to_string(s.port()) + b;
  auto fin = http(s.port(), "POST", "/files/", "",
                  UploadServer::tus(kAlice, {{"Upload-Concat", "final;" + a + " " + url_b}}));
  ASSERT_EQ(fin.status, 201) << fin.body;
  std::string f = fin.header("Location");
  auto h = s.head(f);
  EXPECT_EQ(h.header("Upload-Offset"), "7");
  EXPECT_EQ(h.header("Upload-Length"), "7");
  EXPECT_EQ(h.header("Upload-Concat").rfind("final;", 0), 0u);
  EXPECT_EQ(read_file(data_file(s, f)), "AAABBBB");
  auto patch_final = s.patch(f, 7, "x");
  EXPECT_EQ(patch_final.status, 403);
  EXPECT_EQ(patch_final.json()["error"]["code"], "final_upload");
  // Someone else's partial cannot be concatenated.
  std::string bobs = s.create(1, kBob, {{"Upload-Concat", "partial"}});
  EXPECT_EQ(s.patch(bobs, 0, "b", kBob).status, 204);
  auto theft = http(s.port(), "POST", "/files/", "",
                    UploadServer::tus(kAlice, {{"Upload-Concat", "final;" + bobs}}));
  EXPECT_EQ(theft.status, 403);
}

TEST(TusProtocol, OnlyTheSignedInOwnerMayTouchAnUpload) {
  UploadServer s;
  ASSERT_TRUE(s.start());
  auto anon =
      http(s.port(), "POST", "/files/", "", UploadServer::tus("", {{"Upload-Length", "5"}}));
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(anon.json()["error"]["code"], "unauthorized");
  EXPECT_EQ(anon.header("Tus-Resumable"), "1.0.0");
  std::string loc = s.create(5);
  EXPECT_EQ(s.head(loc, kBob).status, 403);
  EXPECT_EQ(s.patch(loc, 0, "x", kBob).status, 403);
  EXPECT_EQ(http(s.port(), "DELETE", loc, "", UploadServer::tus(kBob)).status, 403);
  EXPECT_EQ(http(s.port(), "GET", "/api/v1/uploads/" + id_of(loc), "",
                 {{"Authorization", "Bearer test." + kBob}})
                .status,
            403);
  EXPECT_EQ(s.head(loc, "").status, 401);
  // Admins may look.
  EXPECT_EQ(http(s.port(), "HEAD", loc, "",
                 {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer test-admin." + kBob}})
                .status,
            200);
  EXPECT_EQ(s.head("/files/00000000-0000-4000-8000-000000000000").status, 404);
  EXPECT_EQ(s.head("/files/..%2F..%2Fetc%2Fpasswd").status, 404);
  EXPECT_EQ(s.head("/files/NOT-AN-ID").status, 404);
  EXPECT_EQ(s.head(loc).header("Upload-Offset"), "0");
}

TEST(TusProtocol, AnonymousUploadsWhenAuthIsNotRequired) {
  UploadServer s(nlohmann::json{{"require_auth", false}});
  ASSERT_TRUE(s.start());
  std::string loc = s.create(3, "");
  EXPECT_EQ(s.patch(loc, 0, "abc", "").status, 204);
}

TEST(TusProtocol, BadInputIsRefusedWithClearErrors) {
  UploadServer s(nlohmann::json{{"max_size", 1000}, {"owner_quota", 1500}});
  ASSERT_TRUE(s.start());
  for (const char* bad : {"-1", "abc", "1e3", "99999999999999999999999", " ", "0x10"}) {
    auto r =
        http(s.port(), "POST", "/files/", "", UploadServer::tus(kAlice, {{"Upload-Length", bad}}));
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.json()["error"]["code"], "invalid_header") << bad;
  }
  auto huge =
      http(s.port(), "POST", "/files/", "", UploadServer::tus(kAlice, {{"Upload-Length", "1001"}}));
  EXPECT_EQ(huge.status, 413);
  EXPECT_EQ(huge.json()["error"]["code"], "upload_too_large");
  EXPECT_EQ(huge.json()["error"]["limit"], 1000);
  auto bad_meta = http(s.port(), "POST", "/files/", "",
                       UploadServer::tus(kAlice, {{"Upload-Length", "5"},
                                                  {"Upload-Metadata", "filename %%%notbase64"}}));
  EXPECT_EQ(bad_meta.status, 400);
  EXPECT_EQ(bad_meta.json()["error"]["code"], "invalid_metadata");
  // Quota: 1000 + 600 > 1500 for the same owner; another owner is unaffected.
  s.create(1000);
  auto over =
      http(s.port(), "POST", "/files/", "", UploadServer::tus(kAlice, {{"Upload-Length", "600"}}));
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(over.json()["error"]["code"], "quota_exceeded");
  EXPECT_EQ(over.json()["error"]["limit"], 1500);
  s.create(600, kBob);

  std::string loc = s.create(10, kBob);
  for (const char* bad : {"-1", "x", "", "184467440737095516160"}) {
    auto r = http(s.port(), "PATCH", loc, "abc",
                  UploadServer::tus(kBob, {{"Upload-Offset", bad},
                                           {"Content-Type", "application/offset+octet-stream"}}));
    EXPECT_EQ(r.status, 400) << bad;
  }
  auto missing =
      http(s.port(), "PATCH", loc, "abc",
           UploadServer::tus(kBob, {{"Content-Type", "application/offset+octet-stream"}}));
  EXPECT_EQ(missing.status, 400);
  auto too_long = s.patch(loc, 0, std::string(11, 'x'), kBob);
  EXPECT_EQ(too_long.status, 413);
  EXPECT_EQ(too_long.json()["error"]["limit"], 10);
  EXPECT_EQ(too_long.header("Tus-Resumable"), "1.0.0");
  // A body past max_size itself is refused by upload.so too (not by a generic gateway 413),
  // so the answer still speaks tus.
  auto past_max = s.patch(loc, 0, std::string(1001, 'x'), kBob);
  EXPECT_EQ(past_max.status, 413);
  EXPECT_EQ(past_max.json()["error"]["code"], "upload_length_exceeded");
  EXPECT_EQ(past_max.header("Tus-Resumable"), "1.0.0");
  EXPECT_EQ(s.head(loc, kBob).header("Upload-Offset"), "0");
  // A deferred-length upload is still held to max_size, with or without Content-Length.
  auto deferred = http(s.port(), "POST", "/files/", "",
                       UploadServer::tus(kCarol, {{"Upload-Defer-Length", "1"}}));
  ASSERT_EQ(deferred.status, 201);
  std::string dloc = deferred.header("Location");
  EXPECT_EQ(s.patch(dloc, 0, std::string(900, 'y'), kCarol).status, 204);
  auto past = s.patch(dloc, 900, std::string(200, 'y'), kCarol);
  EXPECT_EQ(past.status, 413);
  EXPECT_EQ(past.json()["error"]["limit"], 1000);
  EXPECT_EQ(s.head(dloc, kCarol).header("Upload-Offset"), "900");
  std::string chunked = chunked_patch(dloc, kCarol, 900, std::string(200, 'z'));
  std::string answer = raw_exchange(s.port(), chunked);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"limit\":1000"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Tus-Resumable: 1.0.0"), std::string::npos) << answer;
  EXPECT_EQ(s.head(dloc, kCarol).header("Upload-Offset"), "900");
  // A chunked body larger than max_size on its own: refused mid-stream, still in tus terms.
  std::string big_chunked = chunked_patch(dloc, kCarol, 900, std::string(1200, 'z'));
  std::string big_answer = raw_exchange(s.port(), big_chunked);
  EXPECT_EQ(big_answer.rfind("HTTP/1.1 413", 0), 0u) << big_answer;
  EXPECT_NE(big_answer.find("\"code\":\"upload_too_large\""), std::string::npos) << big_answer;
  EXPECT_NE(big_answer.find("Tus-Resumable: 1.0.0"), std::string::npos) << big_answer;
  EXPECT_EQ(s.head(dloc, kCarol).header("Upload-Offset"), "900");
  // A chunked body within the limit goes through the same streaming path.
  std::string ok_chunked =
      chunked_patch(dloc, kCarol, 900, std::string(50, 'z'), 65536, "Upload-Length: 950\r\n");
  std::string ok_answer = raw_exchange(s.port(), ok_chunked);
  EXPECT_EQ(ok_answer.rfind("HTTP/1.1 204", 0), 0u) << ok_answer;
  EXPECT_EQ(s.head(dloc, kCarol).header("Upload-Length"), "950");
  auto later = s.patch(loc, 99, "abc", kBob);
  EXPECT_EQ(later.status, 409);
  // Nothing above crashed the server.
  EXPECT_EQ(http(s.port(), "OPTIONS", "/files/").status, 204);
}

TEST(TusProtocol, ZeroByteUploadCompletesAsNotMedia) {
  UploadServer s;
  ASSERT_TRUE(s.start());
  auto r =
      http(s.port(), "POST", "/files/", "", UploadServer::tus(kAlice, {{"Upload-Length", "0"}}));
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.header("Upload-Offset"), "0");
  EXPECT_EQ(r.header("StreamGate-Upload-State"), "failed");
  auto h = s.head(r.header("Location"));
  EXPECT_EQ(h.header("Upload-Length"), "0");
  EXPECT_FALSE(h.has_header("Upload-Expires"));
}

TEST(TusProtocol, ExpiredUploadsAnswer410AndAreSwept) {
  UploadServer slow(nlohmann::json{{"expiration_seconds", 1}, {"sweep_interval_seconds", 3600}});
  ASSERT_TRUE(slow.start());
  std::string loc = slow.create(10);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto h = slow.head(loc);
  EXPECT_EQ(h.status, 410);
  EXPECT_EQ(h.header("Tus-Resumable"), "1.0.0");
  EXPECT_EQ(slow.patch(loc, 0, "x").status, 410);

  UploadServer fast(nlohmann::json{{"expiration_seconds", 1}, {"sweep_interval_seconds", 1}});
  ASSERT_TRUE(fast.start());
  std::string gone = fast.create(10);
  auto dir = fast.server.data_dir() / "uploads" / id_of(gone);
  EXPECT_TRUE(fs::exists(dir));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (fs::exists(dir) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(fs::exists(dir)) << fast.server.log();
  EXPECT_EQ(fast.head(gone).status, 404);
  if (fast.has_jobs()) {
    // The sweep ran as a durable upload.expire_sweep job, not the no-jobs fallback.
    EXPECT_EQ(fast.server.log().find("cannot enqueue the expiry sweep"), std::string::npos);
    EXPECT_EQ(fast.server.log().find("jobs service absent"), std::string::npos);
  }
}

TEST(TusProtocol, RealVideoCompletesWithHashAndProbe) {
  UploadServer s;
  ASSERT_TRUE(s.start());
  TempDir tmp("sg-upload-video");
  ASSERT_TRUE(make_test_video(tmp.path() / "clip.mp4"));
  std::string bytes = read_file(tmp.path() / "clip.mp4");
  std::string meta =
      "filename " + b64("clip.mp4") + ",title " + b64("A clip") + ",visibility " + b64("public");
  std::string loc = s.create(bytes.size(), kAlice, {{"Upload-Metadata", meta}});
  size_t half = bytes.size() / 2;
  ASSERT_EQ(s.patch(loc, 0, bytes.substr(0, half)).status, 204);
  auto last = s.patch(loc, half, bytes.substr(half));
  ASSERT_EQ(last.status, 204) << last.body;
  EXPECT_EQ(last.header("StreamGate-Upload-State"), "completed");
  EXPECT_EQ(last.header("StreamGate-Content-Id"), id_of(loc));
  auto state = http(s.port(), "GET", "/api/v1/uploads/" + id_of(loc), "",
                    {{"Authorization", "Bearer test." + kAlice}});
  ASSERT_EQ(state.status, 200);
  auto j = state.json();
  EXPECT_EQ(j["state"], "completed");
  EXPECT_EQ(j["sha256"], sha256_hex_of(bytes));
  EXPECT_EQ(j["probe"]["width"], 320);
  EXPECT_EQ(j["probe"]["height"], 240);
  EXPECT_EQ(j["probe"]["size"], bytes.size());
  if (s.has_jobs()) {
    // The transcode job is durable in the worker's queue, deduplicated by upload id.
    ASSERT_TRUE(j["probe"].contains("transcode_job")) << j.dump();
    std::string job = j["probe"]["transcode_job"];
    auto jr = http(s.port(), "GET", "/api/v1/jobs/" + job, "",
                   {{"Authorization", "Bearer test." + kAlice}});
    EXPECT_EQ(jr.status, 200) << jr.body;
    if (jr.status == 200) {
      EXPECT_EQ(jr.json()["type"], "transcode");
      EXPECT_EQ(jr.json()["payload"]["content_id"], id_of(loc));
      EXPECT_EQ(jr.json()["payload"]["sha256"], sha256_hex_of(bytes));
      // Relative to server.data_dir: the owner sees the job, not the server's layout.
      EXPECT_EQ(jr.json()["payload"]["path"], "uploads/" + id_of(loc) + "/data");
    }
  }
  if (s.has_metadata()) {
    auto content = http(s.port(), "GET", "/api/v1/content/" + id_of(loc), "",
                        {{"Authorization", "Bearer test." + kAlice}});
    EXPECT_EQ(content.status, 200) << content.body;
    if (content.status == 200) {
      EXPECT_EQ(content.json()["status"], "processing");
      EXPECT_EQ(content.json()["title"], "A clip");
      EXPECT_EQ(content.json()["source"]["width"], 320);
    }
  }
}

TEST(TusProtocol, DeletingTheContentRemovesTheUpload) {
  UploadServer s;
  if (!s.has_metadata())
    GTEST_SKIP() << "metadata.so not built: no content catalogue to delete from";
  ASSERT_TRUE(s.start());
  std::string loc = s.create(5, kAlice, {{"Upload-Metadata", "title " + b64("doomed")}});
  auto dir = s.server.data_dir() / "uploads" / id_of(loc);
  ASSERT_TRUE(fs::exists(dir));
  auto del = http(s.port(), "DELETE", "/api/v1/content/" + id_of(loc), "",
                  {{"Authorization", "Bearer test." + kAlice}});
  EXPECT_TRUE(del.status == 204 || del.status == 200) << del.body;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (fs::exists(dir) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(s.head(loc).status, 404);
}

TEST(TusProtocol, MetadataBecomesTheContentRecordAtCreation) {
  UploadServer s;
  if (!s.has_metadata()) GTEST_SKIP() << "metadata.so not built: no content catalogue";
  ASSERT_TRUE(s.start());
  const std::string contract = "0x1234567890abcdef1234567890abcdef12345678";
  std::string meta = "title " + b64("Gated film") + ",description " + b64("members only") +
                     ",visibility " + b64("token_gated") + ",gate_contract " + b64(contract) +
                     ",gate_chain_id " + b64("1") + ",gate_standard " + b64("erc721") +
                     ",filename " + b64("../../x.mp4");
  std::string loc = s.create(10, kAlice, {{"Upload-Metadata", meta}});
  auto content = http(s.port(), "GET", "/api/v1/content/" + id_of(loc), "",
                      {{"Authorization", "Bearer test." + kAlice}});
  ASSERT_EQ(content.status, 200) << content.body;
  auto c = content.json();
  EXPECT_EQ(c["status"], "uploading");
  EXPECT_EQ(c["title"], "Gated film");
  EXPECT_EQ(c["description"], "members only");
  EXPECT_EQ(c["visibility"], "token_gated");
  EXPECT_EQ(c["gate"]["chain_id"], 1);
  EXPECT_EQ(c["gate"]["standard"], "erc721");

  // Metadata the catalogue refuses fails the creation before any byte, leaving nothing.
  for (const std::string& bad : {"visibility " + b64("bogus"), "visibility " + b64("token_gated"),
                                 "title " + b64(std::string(300, 't'))}) {
    auto r = http(s.port(), "POST", "/files/", "",
                  UploadServer::tus(kAlice, {{"Upload-Length", "10"}, {"Upload-Metadata", bad}}));
    EXPECT_EQ(r.status, 400) << bad << " " << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "invalid_metadata");
  }
  size_t dirs = 0;
  for (const auto& e : fs::directory_iterator(s.server.data_dir() / "uploads"))
    if (e.is_directory()) ++dirs;
  EXPECT_EQ(dirs, 1u);

  // A final upload with refused metadata must not consume its partial uploads.
  std::string part = s.create(2, kAlice, {{"Upload-Concat", "partial"}});
  ASSERT_EQ(s.patch(part, 0, "ab").status, 204);
  auto refused =
      http(s.port(), "POST", "/files/", "",
           UploadServer::tus(kAlice, {{"Upload-Concat", "final;" + part},
                                      {"Upload-Metadata", "visibility " + b64("bogus")}}));
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(s.head(part).header("Upload-Offset"), "2");
  auto fin = http(s.port(), "POST", "/files/", "",
                  UploadServer::tus(kAlice, {{"Upload-Concat", "final;" + part}}));
  EXPECT_EQ(fin.status, 201) << fin.body;
}

TEST(TusProtocol, BrowserCorsWithTheDocumentedGatewayConfig) {
  // The CORS lists recommended in src/plugins/upload/README.md.
  nlohmann::json cors{{"allowed_origins", {"http://app.example"}},
                      {"allowed_headers",
                       {"Authorization", "Content-Type", "X-Request-Id", "Tus-Resumable",
                        "Upload-Length", "Upload-Offset", "Upload-Metadata", "Upload-Defer-Length",
                        "Upload-Concat", "Upload-Checksum", "X-HTTP-Method-Override"}},
                      {"expose_headers",
                       {"X-Request-Id", "Location", "Tus-Resumable", "Tus-Version", "Tus-Extension",
                        "Tus-Max-Size", "Tus-Checksum-Algorithm", "Upload-Offset", "Upload-Length",
                        "Upload-Metadata", "Upload-Defer-Length", "Upload-Concat", "Upload-Expires",
                        "StreamGate-Content-Id", "StreamGate-Upload-State"}}};
  UploadServer s(nlohmann::json::object(), false,
                 nlohmann::json{{"plugins", {{"gateway", {{"cors", cors}}}}}});
  ASSERT_TRUE(s.start());
  auto pre = http(s.port(), "OPTIONS", "/files/", "",
                  {{"Origin", "http://app.example"},
                   {"Access-Control-Request-Method", "POST"},
                   {"Access-Control-Request-Headers",
                    "tus-resumable, upload-length, upload-metadata, authorization"}});
  EXPECT_LT(pre.status, 300);
  EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), "http://app.example");
  EXPECT_NE(pre.header("Access-Control-Allow-Headers").find("Upload-Length"), std::string::npos);
  auto created =
      http(s.port(), "POST", "/files/", "",
           UploadServer::tus(kAlice, {{"Upload-Length", "3"}, {"Origin", "http://app.example"}}));
  ASSERT_EQ(created.status, 201);
  std::string exposed = created.header("Access-Control-Expose-Headers");
  for (const char* h : {"Location", "Upload-Offset", "Tus-Resumable", "Upload-Expires"})
    EXPECT_NE(exposed.find(h), std::string::npos) << h << " not in " << exposed;
}

TEST(TusProtocol, RefusesBeforeAnyByteWhenTheClientExpects100Continue) {
  UploadServer s(nlohmann::json{{"max_size", 1000000}});
  ASSERT_TRUE(s.start());
  std::string loc = s.create(1000);
  // Headers only: a server that read the body first would wait for the 1000 bytes.
  auto started = std::chrono::steady_clock::now();
  std::string answer = raw_exchange(
      s.port(), "PATCH " + loc +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
                    "Authorization: Bearer test." +
                    kAlice +
                    "\r\nUpload-Offset: 7\r\n"
                    "Content-Type: application/offset+octet-stream\r\nContent-Length: 1000\r\n"
                    "Expect: 100-continue\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 409", 0), 0u) << answer;
  EXPECT_EQ(answer.find("100 Continue"), std::string::npos) << answer;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  std::string too_big =
      raw_exchange(s.port(),
                   "POST /files/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
                   "Authorization: Bearer test." +
                       kAlice +
                       "\r\nUpload-Length: 2000000\r\n"
                       "Content-Type: application/offset+octet-stream\r\nContent-Length: 1000\r\n"
                       "Expect: 100-continue\r\n\r\n");
  EXPECT_EQ(too_big.rfind("HTTP/1.1 413", 0), 0u) << too_big;
  EXPECT_EQ(too_big.find("100 Continue"), std::string::npos);
  EXPECT_NE(too_big.find("\"limit\":1000000"), std::string::npos) << too_big;
}

}  // namespace
}  // namespace sgtest::upload
