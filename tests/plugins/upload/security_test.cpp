// Regression tests for issue 10 (items 5-7) against a real streamgate: tus concatenation
// limits and lock scope, container allow-list at completion, ill-formed UTF-8 in metadata,
// and that no failed creation leaves anything behind.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <future>
#include <thread>

#include "base64.hpp"
#include "media_files.hpp"
#include "upload_fixture.hpp"

namespace sgtest::upload {
namespace {

namespace fs = std::filesystem;

const std::string kCarol = "0xC0C0000000000000000000000000000000000003";
const std::string kDave = "0xDA7E000000000000000000000000000000000004";

std::string b64(std::string_view s) {
  return sg::upload::base64_encode(s);
}

Headers auth(const std::string& who, Headers extra = {}) {
  Headers h{{"Authorization", "Bearer test." + who}};
  h.insert(h.end(), extra.begin(), extra.end());
  return h;
}

HttpResponse create_final(UploadServer& s, const std::string& who, const std::string& parts,
                          Headers extra = {}) {
  extra.emplace_back("Upload-Concat", "final;" + parts);
  return http(s.port(), "POST", "/files/", "", UploadServer::tus(who, extra),
              std::chrono::seconds(180));
}

std::string complete_partial(UploadServer& s, const std::string& who, const std::string& bytes) {
  std::string loc = s.create(bytes.size(), who, {{"Upload-Concat", "partial"}});
  EXPECT_EQ(s.patch(loc, 0, bytes, who).status, 204);
  return loc;
}

// Names in <data_dir>/uploads: upload directories, plus any .tmp-/.trash- leftovers.
std::vector<std::string> upload_dir_entries(UploadServer& s) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(s.server.data_dir() / "uploads"))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool no_temp_entries(UploadServer& s) {
  for (const auto& n : upload_dir_entries(s))
    if (n.rfind(".tmp-", 0) == 0 || n.rfind(".trash-", 0) == 0) return false;
  return true;
}

// The content records of `who` in the catalogue (every status), by id.
std::vector<std::string> content_of(UploadServer& s, const std::string& who) {
  auto r = http(s.port(), "GET", "/api/v1/content?owner=" + who + "&limit=100", "", auth(who));
  EXPECT_EQ(r.status, 200) << r.body;
  std::vector<std::string> ids;
  if (r.status != 200) return ids;
  nlohmann::json body = r.json();  // a variable: iterating a temporary's member dangles
  for (const auto& c : body["items"]) ids.push_back(c["id"].get<std::string>());
  return ids;
}

// Replaces an upload's data file with a FIFO: whoever reads it blocks until the test writes.
fs::path fifo_in_place_of(UploadServer& s, const std::string& location) {
  fs::path data = s.server.data_dir() / "uploads" / id_of(location) / "data";
  fs::remove(data);
  EXPECT_EQ(::mkfifo(data.c_str(), 0600), 0);
  return data;
}

// Opens the FIFO for writing (the server holds its read end by then) and writes `bytes`.
void feed_fifo(const fs::path& fifo, const std::string& bytes) {
  // A reader that gives up early must fail the test, not kill the test process.
  std::signal(SIGPIPE, SIG_IGN);
  int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  EXPECT_EQ(done, bytes.size());
}

// Waits until a ".tmp-" directory exists: a concatenation has passed its checks.
bool wait_for_temp_dir(UploadServer& s) {
  for (int i = 0; i < 1000; ++i) {
    if (!no_temp_entries(s)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Item 5: concatenation

TEST(UploadSecurity, ConcatRefusesDuplicatePartsAndChecksLimitsBeforeCopying) {
  UploadServer s(nlohmann::json{{"max_size", 1000}, {"owner_quota", 2000}});
  ASSERT_TRUE(s.start());
  std::string p = complete_partial(s, kAlice, std::string(600, 'p'));
  auto dup = create_final(s, kAlice, p + " " + p);
  EXPECT_EQ(dup.status, 400) << dup.body;
  EXPECT_EQ(dup.json()["error"]["code"], "duplicate_concat_part");
  EXPECT_EQ(dup.header("Tus-Resumable"), "1.0.0");

  std::string q = complete_partial(s, kAlice, std::string(600, 'q'));
  auto before = upload_dir_entries(s);
  auto big = create_final(s, kAlice, p + " " + q);
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_EQ(big.json()["error"]["code"], "upload_too_large");
  EXPECT_EQ(big.json()["error"]["limit"], 1000);
  EXPECT_EQ(big.header("Tus-Resumable"), "1.0.0");
  // Refused before any copy: no new file or directory, the parts untouched and usable.
  EXPECT_EQ(upload_dir_entries(s), before);
  EXPECT_EQ(s.head(p).header("Upload-Offset"), "600");
  EXPECT_EQ(s.head(q).header("Upload-Offset"), "600");

  // Quota: Bob holds 300 + 500 + 400 = 1200; the copy needs 900 more while the parts exist.
  std::string other = s.create(300, kBob);
  std::string a = complete_partial(s, kBob, std::string(500, 'a'));
  std::string b = complete_partial(s, kBob, std::string(400, 'b'));
  auto over = create_final(s, kBob, a + " " + b);
  EXPECT_EQ(over.status, 413) << over.body;
  EXPECT_EQ(over.json()["error"]["code"], "quota_exceeded");
  EXPECT_EQ(over.json()["error"]["limit"], 2000);
  EXPECT_TRUE(no_temp_entries(s));
  EXPECT_EQ(s.head(a, kBob).header("Upload-Offset"), "500");
  // With room for the copy it goes through, and the parts go.
  ASSERT_EQ(http(s.port(), "DELETE", other, "", UploadServer::tus(kBob)).status, 204);
  auto fin = create_final(s, kBob, a + " " + b);
  ASSERT_EQ(fin.status, 201) << fin.body;
  EXPECT_EQ(s.head(fin.header("Location"), kBob).header("Upload-Length"), "900");
  EXPECT_EQ(s.head(a, kBob).status, 404);
}

// The copy runs outside the creation lock: while it is stalled (its source is a FIFO the
// test has not written yet), another creation must still be answered. Deterministic: the
// copy cannot progress until the test feeds the FIFO, which it does only afterwards.
TEST(UploadSecurity, ACreationIsAnsweredWhileAConcatCopyIsInProgress) {
  UploadServer s;
  ASSERT_TRUE(s.start());
  std::string bytes(256 * 1024, 'c');
  std::string part = complete_partial(s, kAlice, bytes);
  fs::path fifo = fifo_in_place_of(s, part);

  auto concat = std::async(std::launch::async, [&] { return create_final(s, kAlice, part); });
  ASSERT_TRUE(wait_for_temp_dir(s)) << "the concatenation never started";
  auto creation = std::async(std::launch::async, [&] {
    return http(s.port(), "POST", "/files/", "", UploadServer::tus(kBob, {{"Upload-Length", "5"}}),
                std::chrono::seconds(120));
  });
  // Not a timing threshold: with the copy stalled for good, only a creation that does not
  // wait for it can ever be answered; the bound just keeps a regression from hanging.
  bool answered_during_copy =
      creation.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  EXPECT_EQ(concat.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the concatenation finished without its bytes";
  feed_fifo(fifo, bytes);
  auto fin = concat.get();
  auto created = creation.get();
  EXPECT_TRUE(answered_during_copy) << "a creation waited for another upload's copy";
  EXPECT_EQ(created.status, 201) << created.body;
  ASSERT_EQ(fin.status, 201) << fin.body;
  EXPECT_EQ(read_file(s.server.data_dir() / "uploads" / id_of(fin.header("Location")) / "data"),
            bytes);
  EXPECT_TRUE(no_temp_entries(s));
}

// A copy that fails (the source ends early) leaves no half-made upload and no content
// record, and gives the parts back.
TEST(UploadSecurity, AFailedConcatCopyLeavesNothingBehind) {
  UploadServer s;
  ASSERT_TRUE(s.start());
  std::string bytes(64 * 1024, 'f');
  std::string part = complete_partial(s, kCarol, bytes);
  fs::path fifo = fifo_in_place_of(s, part);
  auto before = upload_dir_entries(s);
  auto concat = std::async(std::launch::async, [&] {
    return create_final(s, kCarol, part, {{"Upload-Metadata", "title " + b64("never")}});
  });
  ASSERT_TRUE(wait_for_temp_dir(s));
  feed_fifo(fifo, bytes.substr(0, 1000));
  auto fin = concat.get();
  EXPECT_EQ(fin.status, 500) << fin.body;
  EXPECT_EQ(fin.json()["error"]["code"], "storage_error");
  EXPECT_EQ(upload_dir_entries(s), before);
  if (s.has_metadata()) {
    EXPECT_TRUE(content_of(s, kCarol).empty());
  }
  // The part is free again: it can be removed.
  EXPECT_EQ(http(s.port(), "DELETE", part, "", UploadServer::tus(kCarol)).status, 204);
}

// ---------------------------------------------------------------------------------------
// Item 6: only real video containers complete

TEST(UploadSecurity, PlaylistsScriptsImagesAndSdpNeverComplete) {
  UploadServer s;
  ASSERT_TRUE(s.start());
  TempDir tmp("sg-upload-sec-media");
  ASSERT_TRUE(make_test_video(tmp.path() / "clip.mp4"));
  std::string video = read_file(tmp.path() / "clip.mp4");
  // A real upload whose data file the playlists then name.
  std::string victim = s.create(video.size());
  ASSERT_EQ(s.patch(victim, 0, video).header("StreamGate-Upload-State"), "completed");
  std::string victim_path = (s.server.data_dir() / "uploads" / id_of(victim) / "data").string();
  ASSERT_EQ(std::system(("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc=size=64x64 "
                         "-frames:v 1 -f image2 -c:v png '" +
                         (tmp.path() / "still.png").string() + "'")
                            .c_str()),
            0);
  struct Case {
    std::string name;
    std::string bytes;
    std::string reason;  // a part of the failure
  };
  std::vector<Case> cases{
      {"hls", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n" + victim_path + "\n",
       "unsupported container: hls playlists are not accepted as uploads"},
      {"hls-passwd", "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:1,\n/etc/passwd\n",
       "unsupported container: hls playlists are not accepted as uploads"},
      {"concat", "ffconcat version 1.0\nfile '/etc/passwd'\nfile '" + victim_path + "'\n",
       "unsupported container: concat scripts are not accepted as uploads"},
      {"image", read_file(tmp.path() / "still.png"), "unsupported container: still images"},
      {"sdp",
       "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=video 5004 RTP/AVP "
       "96\na=rtpmap:96 H264/90000\n",
       "unsupported container: SDP session descriptions are not accepted as uploads"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string loc = s.create(c.bytes.size(), kCarol,
                               {{"Upload-Metadata", "filename " + b64(c.name + ".m3u8")}});
    auto done = s.patch(loc, 0, c.bytes, kCarol);
    ASSERT_EQ(done.status, 204) << done.body;
    EXPECT_EQ(done.header("StreamGate-Upload-State"), "failed");
    auto state = http(s.port(), "GET", "/api/v1/uploads/" + id_of(loc), "", auth(kCarol));
    ASSERT_EQ(state.status, 200);
    EXPECT_EQ(state.json()["state"], "failed");
    EXPECT_NE(state.json()["failure"].get<std::string>().find(c.reason), std::string::npos)
        << state.body;
    EXPECT_FALSE(state.json()["probe"].contains("transcode_job"));
  }
  // The simple path refuses the same way.
  auto simple = http(s.port(), "POST", "/api/v1/uploads?filename=x.m3u8", cases[0].bytes,
                     auth(kCarol, {{"Content-Type", "application/vnd.apple.mpegurl"}}));
  EXPECT_EQ(simple.status, 422) << simple.body;
  EXPECT_NE(simple.json()["error"]["message"].get<std::string>().find("hls playlists"),
            std::string::npos);
  if (s.has_jobs()) {
    auto jobs = http(s.port(), "GET", "/api/v1/jobs?type=transcode", "", auth(kCarol));
    ASSERT_EQ(jobs.status, 200) << jobs.body;
    EXPECT_TRUE(jobs.json()["items"].empty()) << jobs.body;
    auto alices = http(s.port(), "GET", "/api/v1/jobs?type=transcode", "", auth(kAlice));
    EXPECT_EQ(alices.json()["items"].size(), 1u) << alices.body;  // the real video's
  }
}

// ---------------------------------------------------------------------------------------
// Item 7: ill-formed UTF-8 in metadata, and cleanup of every failed creation

TEST(UploadSecurity, IllFormedUtf8InMetadataIsRepairedNot500) {
  UploadServer s;
  ASSERT_TRUE(s.start());
  std::string ri;
  for (int i = 0; i < 67; ++i) ri += "\xE6\x97\xA5";  // 67 x U+65E5: 201 bytes
  const std::string fffd = "\xEF\xBF\xBD";
  struct Case {
    std::string metadata;
    std::string filename;  // as stored
    std::string title;     // the content's title
  };
  std::vector<Case> cases{
      {"filename " + b64(ri), ri, ri},
      {"filename " + b64(ri.substr(0, 200)), ri.substr(0, 198) + fffd, ri.substr(0, 198) + fffd},
      {"filename " + b64("bad\xff\xfe.mp4") + ",filetype " + b64("video/\xc3"),
       "bad" + fffd + fffd + ".mp4", "bad" + fffd + fffd + ".mp4"},
      {"title " + b64("ok") + ",filename " + b64("\x80x"), fffd + "x", "ok"},
  };
  for (const auto& c : cases) {
    auto r =
        http(s.port(), "POST", "/files/", "",
             UploadServer::tus(kAlice, {{"Upload-Length", "10"}, {"Upload-Metadata", c.metadata}}));
    ASSERT_EQ(r.status, 201) << c.metadata << " " << r.body;
    std::string id = id_of(r.header("Location"));
    auto state = http(s.port(), "GET", "/api/v1/uploads/" + id, "", auth(kAlice));
    ASSERT_EQ(state.status, 200) << state.body;
    EXPECT_EQ(state.json()["metadata"]["filename"], c.filename);
    EXPECT_EQ(s.head(r.header("Location")).header("Upload-Metadata"), c.metadata);
    if (s.has_metadata()) {
      auto content = http(s.port(), "GET", "/api/v1/content/" + id, "", auth(kAlice));
      ASSERT_EQ(content.status, 200) << content.body;
      EXPECT_EQ(content.json()["title"], c.title);
    }
  }
  // A longer name stands in for the title cut at 200 characters, not bytes.
  std::string long_name;
  for (int i = 0; i < 250; ++i) long_name += "\xE6\x97\xA5";
  auto r = http(s.port(), "POST", "/files/", "",
                UploadServer::tus(kAlice, {{"Upload-Length", "10"},
                                           {"Upload-Metadata", "filename " + b64(long_name)}}));
  ASSERT_EQ(r.status, 201) << r.body;
  if (s.has_metadata()) {
    auto content =
        http(s.port(), "GET", "/api/v1/content/" + id_of(r.header("Location")), "", auth(kAlice));
    EXPECT_EQ(content.json()["title"], long_name.substr(0, 600));
  }

  // The simple path: a multipart file name and a form field with ill-formed bytes.
  TempDir tmp("sg-upload-sec-utf8");
  ASSERT_TRUE(make_test_video(tmp.path() / "clip.mp4"));
  std::string video = read_file(tmp.path() / "clip.mp4");
  std::string body =
      "--B0\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nd\xe6\x97"
      "\r\n--B0\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
      ri.substr(0, 200) + "\"\r\nContent-Type: video/mp4\r\n\r\n" + video + "\r\n--B0--\r\n";
  auto form = http(s.port(), "POST", "/api/v1/uploads", body,
                   auth(kAlice, {{"Content-Type", "multipart/form-data; boundary=B0"}}),
                   std::chrono::seconds(30));
  ASSERT_EQ(form.status, 201) << form.body;
  EXPECT_EQ(form.json()["metadata"]["filename"], ri.substr(0, 198) + fffd);
  EXPECT_EQ(form.json()["metadata"]["description"], "d" + fffd);
  auto raw = http(s.port(), "POST", "/api/v1/uploads?filename=%FF%FEx.mp4", video,
                  auth(kAlice, {{"Content-Type", "video/mp4"}}), std::chrono::seconds(30));
  ASSERT_EQ(raw.status, 201) << raw.body;
  EXPECT_EQ(raw.json()["metadata"]["filename"], fffd + fffd + "x.mp4");
  EXPECT_TRUE(no_temp_entries(s));
}

// Every way a creation can fail leaves nothing: no .tmp- directory, no upload record, no
// content record.
TEST(UploadSecurity, EveryFailedCreationLeavesNothingBehind) {
  UploadServer s(nlohmann::json{{"max_size", 1000}, {"owner_quota", 2500}});
  ASSERT_TRUE(s.start());
  // Dave's existing uploads make his quota nearly full.
  std::vector<std::string> daves{id_of(s.create(1000, kDave)), id_of(s.create(1000, kDave)),
                                 id_of(s.create(400, kDave))};
  std::sort(daves.begin(), daves.end());
  std::string part = complete_partial(s, kCarol, "abc");
  std::string big_part = complete_partial(s, kCarol, std::string(600, 'b'));
  std::string big_part2 = complete_partial(s, kCarol, std::string(600, 'c'));
  const auto before = upload_dir_entries(s);
  const std::string unknown = "/files/00000000-0000-4000-8000-000000000000";
  const std::string octets = "application/offset+octet-stream";

  struct Case {
    std::string what;
    std::string who;
    Headers headers;
    std::string body;
    int status;
  };
  std::vector<Case> cases{
      {"bad metadata",
       kCarol,
       {{"Upload-Length", "5"}, {"Upload-Metadata", "filename %%%"}},
       "",
       400},
      {"metadata the catalogue refuses",
       kCarol,
       {{"Upload-Length", "5"}, {"Upload-Metadata", "visibility " + b64("bogus")}},
       "",
       400},
      {"over max_size", kCarol, {{"Upload-Length", "1001"}}, "", 413},
      {"over quota", kDave, {{"Upload-Length", "200"}}, "", 413},
      {"bad checksum header",
       kCarol,
       {{"Upload-Length", "5"}, {"Content-Type", octets}, {"Upload-Checksum", "sha1 !!!"}},
       "hello",
       400},
      {"checksum mismatch on the creation body",
       kCarol,
       {{"Upload-Length", "5"},
        {"Content-Type", octets},
        {"Upload-Checksum", "sha1 " + b64(std::string(20, 'x'))},
        {"Upload-Metadata", "title " + b64("mismatch")}},
       "hello",
       460},
      {"creation body past Upload-Length",
       kCarol,
       {{"Upload-Length", "2"}, {"Content-Type", octets}},
       "hello",
       413},
      {"creation body with the wrong type",
       kCarol,
       {{"Upload-Length", "5"}, {"Content-Type", "text/plain"}},
       "hello",
       415},
      {"unknown concat part", kCarol, {{"Upload-Concat", "final;" + unknown}}, "", 400},
      {"duplicate concat part", kCarol, {{"Upload-Concat", "final;" + part + " " + part}}, "", 400},
      {"concat over max_size",
       kCarol,
       {{"Upload-Concat", "final;" + part + " " + big_part + " " + big_part2}},
       "",
       413},
      // A success in the middle: the walk then also proves it leaves exactly its upload.
      {"concat within limits",
       kCarol,
       {{"Upload-Concat", "final;" + big_part + " " + part}},
       "",
       201},
  };
  std::string created_loc;
  for (const auto& c : cases) {
    auto r = http(s.port(), "POST", "/files/", c.body, UploadServer::tus(c.who, c.headers));
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.body;
    if (r.status >= 400) {
      EXPECT_EQ(r.header("Tus-Resumable"), "1.0.0") << c.what;
      EXPECT_TRUE(r.json()["error"].contains("code")) << c.what;
    } else {
      created_loc = r.header("Location");
    }
    EXPECT_TRUE(no_temp_entries(s)) << c.what;
  }
  ASSERT_FALSE(created_loc.empty());

  // The simple path's failures.
  auto simple = [&](const std::string& target, const std::string& body, Headers h) {
    return http(s.port(), "POST", target, body, auth(kCarol, h));
  };
  EXPECT_EQ(simple("/api/v1/uploads?visibility=bogus", "x", {}).status, 400);
  EXPECT_EQ(simple("/api/v1/uploads", std::string(1001, 'x'), {}).status, 413);
  EXPECT_EQ(http(s.port(), "POST", "/api/v1/uploads", std::string(200, 'd'), auth(kDave)).status,
            413);
  std::string form = "--B\r\nContent-Disposition: form-data; name=\"bogus\"\r\n\r\nx\r\n--B--\r\n";
  EXPECT_EQ(
      simple("/api/v1/uploads", form, {{"Content-Type", "multipart/form-data; boundary=B"}}).status,
      400);
  std::string no_end =
      "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nxyz";
  EXPECT_EQ(simple("/api/v1/uploads", no_end, {{"Content-Type", "multipart/form-data; boundary=B"}})
                .status,
            400);

  // Exactly the uploads from before plus the one concatenation (its parts consumed).
  auto after = upload_dir_entries(s);
  std::vector<std::string> expected;
  for (const auto& n : before)
    if (n != id_of(part) && n != id_of(big_part)) expected.push_back(n);  // consumed
  expected.push_back(id_of(created_loc));
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(after, expected);
  if (s.has_metadata()) {
    EXPECT_EQ(content_of(s, kCarol), std::vector<std::string>{id_of(created_loc)});
    auto dave_content = content_of(s, kDave);
    std::sort(dave_content.begin(), dave_content.end());
    EXPECT_EQ(dave_content, daves);
  }
}

}  // namespace
}  // namespace sgtest::upload
