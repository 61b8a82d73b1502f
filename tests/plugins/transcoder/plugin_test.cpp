// transcoder.so in a running streamgate (gateway, test identity, metadata, worker, upload,
// monitor, transcoder, and test_event_log recording the bus): an upload becomes a `ready`
// content with its ladder, progress on the bus and the source removed; a limit failure
// becomes `failed` with a reason; cancelling the job (DELETE /api/v1/jobs/{id}) or deleting
// the content stops the transcode within about a second and leaves nothing published; a
// server SIGKILLed mid-transcode re-claims the job after its lease and ends `ready` with no
// temp folder left. Sources are made with the ffmpeg CLI; skipped without ffmpeg.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ports.hpp"
#include "process.hpp"
#include "streamgate_server.hpp"
#include "temp_dir.hpp"
#include "test_clip.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kOwner = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
const sgtest::Headers kAsOwner{{"Authorization", std::string("Bearer test.") + kOwner}};
const fs::path kNodeDir = SG_TRANSCODER_NODE_DIR;

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// A testsrc2 clip (+ a sine tone) made with the ffmpeg CLI.
fs::path make_clip(const fs::path& dir, const std::string& name, int seconds,
                   const std::string& size, bool audio = true) {
  fs::path out = dir / name;
  auto r = sgtest::make_test_clip(
      out, {.seconds = seconds, .size = size, .audio = audio, .faststart = true});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return out;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Names in data/media that are temp folders (".tmp-...").
std::vector<std::string> temp_folders(const fs::path& media) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(media, ec))
    if (e.path().filename().string().starts_with(".tmp-")) out.push_back(e.path().filename());
  return out;
}

class TranscoderPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!sgtest::in_path("ffmpeg") || !sgtest::in_path("ffprobe"))
      GTEST_SKIP() << "ffmpeg/ffprobe are not installed";
  }

  // A server with the whole upload -> transcode path; `transcoder` is merged into the
  // plugin's defaults for a small, fast test ladder.
  void start_server(const json& transcoder = json::object(), const json& worker = json::object()) {
    json tc{{"ladder", json::array({{{"height", 360}, {"video_bitrate", 800000}},
                                    {{"height", 240}, {"video_bitrate", 400000}}})},
            {"preset", "ultrafast"},
            {"segment_seconds", 2},
            {"storyboard_interval_seconds", 1}};
    tc.merge_patch(transcoder);
    json wk{{"poll_ms", 100}};
    wk.merge_patch(worker);
    server_ = std::make_unique<sgtest::StreamGateServer>(
        json{{"plugins",
              {{"transcoder", tc},
               {"worker", wk},
               {"monitor", {{"metrics", {{"allow", json::array({"127.0.0.1"})}}}}},
               {"test_event_log", {{"file", (tmp_.path() / "events.jsonl").string()}}}}}});
    server_->use_plugins({"gateway", "test_identity", "metadata", "worker", "upload", "monitor",
                          "transcoder", "test_event_log"});
    ASSERT_TRUE(server_->start());
    ASSERT_TRUE(eventually([&] { return server_->request("GET", "/ready").status == 200; },
                           std::chrono::seconds(15)))
        << server_->log();
  }

  fs::path media_dir() const { return server_->data_dir() / "media"; }

  // Raw-body upload (POST /api/v1/uploads); returns the content id.
  std::string upload(const fs::path& file) {
    auto r = server_->request("POST", "/api/v1/uploads?filename=" + file.filename().string(),
                              read_all(file), kAsOwner, std::chrono::seconds(30));
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) return {};
    return r.json().value("content_id", "");
  }

  json content(const std::string& id) {
    auto r = server_->request("GET", "/api/v1/content/" + id, "", kAsOwner);
    return r.status == 200 ? r.json() : json{{"http_status", r.status}};
  }

  json wait_status(const std::string& id, const std::string& status,
                   std::chrono::seconds limit = std::chrono::seconds(60)) {
    json last;
    eventually(
        [&] {
          last = content(id);
          return last.value("status", "") == status;
        },
        limit);
    return last;
  }

  json transcode_job(const std::string& content_id) {
    json found;
    std::string last;
    eventually(
        [&] {
          auto r = server_->request("GET", "/api/v1/jobs?type=transcode", "", kAsOwner);
          last = r.body;
          if (r.status != 200) return false;
          const json page = r.json();
          for (const auto& j : page["items"])
            if (j["payload"].value("content_id", "") == content_id) found = j;
          return found.is_object();
        },
        std::chrono::seconds(10));
    EXPECT_TRUE(found.is_object()) << "no transcode job for " << content_id << ": " << last;
    return found;
  }

  json job(const std::string& id) {
    auto r = server_->request("GET", "/api/v1/jobs/" + id, "", kAsOwner);
    return r.status == 200 ? r.json() : json::object();
  }

  // Every event the bus carried so far with this topic.
  std::vector<json> events(const std::string& topic) {
    std::vector<json> out;
    std::ifstream in(tmp_.path() / "events.jsonl");
    for (std::string line; std::getline(in, line);) {
      json e = json::parse(line, nullptr, false);
      if (e.is_object() && e["topic"] == topic) out.push_back(e["payload"]);
    }
    return out;
  }

  // Waits until the transcode of `job_id` reported progress on the bus (it is mid-run).
  bool wait_progress(const std::string& job_id) {
    return eventually(
        [&] {
          for (const auto& e : events("job.progress"))
            if (e.value("job_id", "") == job_id) return true;
          return false;
        },
        std::chrono::seconds(30));
  }

  sgtest::TempDir tmp_{"sg-transcoder-plugin"};
  std::unique_ptr<sgtest::StreamGateServer> server_;
};

// A slow transcode for the tests that interrupt one: one thread, x264 "veryslow" at 720p.
const json kSlowTranscoder{{"ladder", json::array({{{"height", 720}, {"video_bitrate", 2800000}}})},
                           {"preset", "veryslow"},
                           {"parallel_rungs", 1},
                           {"threads_per_rung", 1}};

TEST_F(TranscoderPlugin, TusUploadBecomesReadyWithProgressOnTheBus) {
  if (!sgtest::in_path("node")) GTEST_SKIP() << "node is not installed";
  ASSERT_TRUE(fs::exists(kNodeDir / "node_modules" / "tus-js-client"))
      << "run scripts/install-node-deps.sh";
  start_server();
  fs::path clip = make_clip(tmp_.path(), "clip.mp4", 8, "640x360");

  std::string endpoint = "http://127.0.0.1:" + std::to_string(server_->port()) + "/files/";
  auto tus = sgtest::run_command({"node", (kNodeDir / "upload" / "tus_client.js").string(),
                                  endpoint, clip.string(), std::string("test.") + kOwner, "plain"},
                                 {}, std::chrono::seconds(60));
  ASSERT_EQ(tus.exit_code, 0) << tus.output;
  json up = json::parse(tus.output.substr(tus.output.find('{')), nullptr, false);
  ASSERT_TRUE(up.is_object() && up.contains("url")) << tus.output;
  std::string url = up["url"];
  const std::string id = url.substr(url.rfind('/') + 1);

  json c = wait_status(id, "ready");
  ASSERT_EQ(c.value("status", ""), "ready") << c.dump() << "\n" << server_->log();
  EXPECT_TRUE(c["status_reason"].is_null()) << c.dump();
  EXPECT_EQ(c["poster"], "poster.jpg");
  EXPECT_EQ(c["media"]["hls"], "master.m3u8");
  EXPECT_EQ(c["media"]["dash"], "manifest.mpd");
  EXPECT_NEAR(c["media"]["duration"].get<double>(), 8.0, 0.1) << c.dump();
  EXPECT_EQ(c["media"]["segment_seconds"], 2);
  EXPECT_EQ(c["media"]["storyboard"]["vtt"], "storyboard.vtt") << c.dump();
  ASSERT_EQ(c["renditions"].size(), 3u) << c.dump();
  const json& top = c["renditions"][0];
  const json& low = c["renditions"][1];
  const json& audio = c["renditions"][2];
  EXPECT_EQ(top["type"], "video");
  EXPECT_EQ(top["width"], 640);
  EXPECT_EQ(top["height"], 360);
  EXPECT_EQ(low["height"], 240);
  EXPECT_EQ(low["width"].get<int>() % 2, 0);
  EXPECT_EQ(audio["type"], "audio");
  EXPECT_EQ(audio["codecs"], "mp4a.40.2");
  for (const auto& r : c["renditions"]) {
    EXPECT_EQ(r["segments"], 4) << r.dump();
    EXPECT_GT(r["bitrate"].get<int64_t>(), 0) << r.dump();
    EXPECT_TRUE(fs::exists(media_dir() / id / r["playlist"].get<std::string>())) << r.dump();
  }
  EXPECT_TRUE(top["codecs"].get<std::string>().starts_with("avc1.")) << top.dump();

  // The published folder plays, and nothing temporary is left.
  const fs::path folder = media_dir() / id;
  for (const char* f : {"master.m3u8", "manifest.mpd", "poster.jpg", "storyboard.jpg"})
    EXPECT_TRUE(fs::exists(folder / f)) << f;
  EXPECT_TRUE(temp_folders(media_dir()).empty());
  auto play = sgtest::run_command({"ffmpeg", "-nostdin", "-v", "error", "-i",
                                   (folder / "master.m3u8").string(), "-f", "null", "-"},
                                  {}, std::chrono::seconds(60));
  EXPECT_EQ(play.exit_code, 0) << play.output;
  EXPECT_EQ(play.output, "");

  // The job succeeded (recorded by the worker just after the handler made the content
  // ready); its progress and the outcome went over the bus.
  EXPECT_TRUE(eventually([&] { return transcode_job(id).value("state", "") == "succeeded"; },
                         std::chrono::seconds(5)));
  json j = transcode_job(id);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["state"], "succeeded") << j.dump();
  int progress = 0;
  for (const auto& e : events("job.progress"))
    if (e["job_id"] == j["id"]) {
      ++progress;
      EXPECT_LE(e["progress"].get<int>(), 100);
      EXPECT_NE(e.value("message", "").find("realtime"), std::string::npos) << e.dump();
    }
  EXPECT_GE(progress, 1);
  json completed;
  for (const auto& e : events("transcode.completed"))
    if (e["content_id"] == id) completed = e;
  ASSERT_TRUE(completed.is_object());
  EXPECT_EQ(completed["job_id"], j["id"]);
  EXPECT_EQ(completed["keep_source"], false);
  // Content events name the owner (live feeds and webhooks route by it).
  EXPECT_EQ(completed["owner"], kOwner);
  int owned_progress = 0;
  for (const auto& e : events("transcode.progress"))
    if (e["content_id"] == id) {
      ++owned_progress;
      EXPECT_EQ(e["owner"], kOwner) << e.dump();
    }
  EXPECT_GE(owned_progress, 1);

  // keep_source is off by default: the upload's bytes go once the ladder is published.
  EXPECT_TRUE(eventually([&] { return !fs::exists(server_->data_dir() / "uploads" / id); },
                         std::chrono::seconds(5)));

  auto scrape = server_->request("GET", "/metrics");
  ASSERT_EQ(scrape.status, 200);
  EXPECT_NE(scrape.body.find("streamgate_transcode_jobs_succeeded_total 1"), std::string::npos)
      << scrape.body;
  auto at = scrape.body.find("\nstreamgate_transcode_media_seconds_total ");
  ASSERT_NE(at, std::string::npos) << scrape.body;
  EXPECT_NEAR(std::stod(scrape.body.substr(at + 42)), 8.0, 0.1) << scrape.body;

  // Deleting the content removes its media folder.
  ASSERT_EQ(server_->request("DELETE", "/api/v1/content/" + id, "", kAsOwner).status, 204);
  EXPECT_TRUE(eventually([&] { return !fs::exists(folder); }, std::chrono::seconds(5)));
}

TEST_F(TranscoderPlugin, ALimitFailureMakesTheContentFailedWithAReason) {
  start_server({{"max_duration_seconds", 2}, {"keep_source", true}});
  fs::path clip = make_clip(tmp_.path(), "long.mp4", 4, "320x240", false);
  const std::string id = upload(clip);
  ASSERT_FALSE(id.empty());

  json c = wait_status(id, "failed", std::chrono::seconds(30));
  ASSERT_EQ(c.value("status", ""), "failed") << c.dump() << "\n" << server_->log();
  const std::string reason = c.value("status_reason", "");
  EXPECT_EQ(reason, "too long: 4 s exceeds the limit of 2 s");
  json j = transcode_job(id);
  EXPECT_TRUE(eventually([&] { return job(j["id"])["state"] == "dead"; }, std::chrono::seconds(5)))
      << job(j["id"]).dump();
  EXPECT_EQ(job(j["id"])["attempts"], 1) << "a limit is not retried";
  json failed;
  for (const auto& e : events("transcode.failed"))
    if (e["content_id"] == id) failed = e;
  EXPECT_EQ(failed["code"], "limit") << failed.dump();
  EXPECT_FALSE(fs::exists(media_dir() / id));
  EXPECT_TRUE(temp_folders(media_dir()).empty());
  EXPECT_TRUE(fs::exists(server_->data_dir() / "uploads" / id / "data"));

  auto scrape = server_->request("GET", "/metrics");
  EXPECT_NE(scrape.body.find("streamgate_transcode_failures_total{reason=\"limit\"} 1"),
            std::string::npos)
      << scrape.body;
}

TEST_F(TranscoderPlugin, CancellingTheJobStopsWithinASecondAndPublishesNothing) {
  start_server(kSlowTranscoder);
  fs::path clip = make_clip(tmp_.path(), "slow.mp4", 10, "1280x720");
  const std::string id = upload(clip);
  ASSERT_FALSE(id.empty());
  json j = transcode_job(id);
  ASSERT_TRUE(j.is_object());
  const std::string job_id = j["id"];
  ASSERT_TRUE(wait_progress(job_id)) << server_->log();
  ASSERT_FALSE(temp_folders(media_dir()).empty()) << "the transcode writes into a temp folder";

  auto asked = Clock::now();
  auto r = server_->request("DELETE", "/api/v1/jobs/" + job_id, "", kAsOwner);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(
      eventually([&] { return job(job_id)["state"] == "cancelled"; }, std::chrono::seconds(5)))
      << job(job_id).dump();
  auto took = std::chrono::duration<double>(Clock::now() - asked).count();
  EXPECT_LT(took, 1.5) << "cancellation took " << took << " s";

  json c = wait_status(id, "failed", std::chrono::seconds(5));
  EXPECT_EQ(c.value("status", ""), "failed") << c.dump();
  EXPECT_EQ(c.value("status_reason", ""), "the transcode was cancelled");
  EXPECT_FALSE(fs::exists(media_dir() / id));
  EXPECT_TRUE(
      eventually([&] { return temp_folders(media_dir()).empty(); }, std::chrono::seconds(2)));
  EXPECT_TRUE(fs::exists(server_->data_dir() / "uploads" / id / "data")) << "the source stays";
}

TEST_F(TranscoderPlugin, DeletingTheContentStopsItsTranscode) {
  start_server(kSlowTranscoder);
  fs::path clip = make_clip(tmp_.path(), "slow.mp4", 10, "1280x720");
  const std::string id = upload(clip);
  ASSERT_FALSE(id.empty());
  json j = transcode_job(id);
  ASSERT_TRUE(j.is_object());
  const std::string job_id = j["id"];
  ASSERT_TRUE(wait_progress(job_id)) << server_->log();

  auto asked = Clock::now();
  ASSERT_EQ(server_->request("DELETE", "/api/v1/content/" + id, "", kAsOwner).status, 204);
  ASSERT_TRUE(eventually(
      [&] {
        std::string s = job(job_id).value("state", "");
        return s == "succeeded" || s == "cancelled" || s == "dead";
      },
      std::chrono::seconds(5)))
      << job(job_id).dump();
  auto took = std::chrono::duration<double>(Clock::now() - asked).count();
  EXPECT_LT(took, 1.5) << "stopping took " << took << " s";
  EXPECT_TRUE(
      eventually([&] { return temp_folders(media_dir()).empty(); }, std::chrono::seconds(2)));
  EXPECT_FALSE(fs::exists(media_dir() / id));
  EXPECT_EQ(content(id)["http_status"], 404);
  EXPECT_TRUE(eventually([&] { return !fs::exists(server_->data_dir() / "uploads" / id); },
                         std::chrono::seconds(5)));
}

TEST_F(TranscoderPlugin, AServerKilledMidTranscodeFinishesTheJobAfterARestart) {
  start_server(kSlowTranscoder, {{"lease_ms", 1500}});
  fs::path clip = make_clip(tmp_.path(), "crash.mp4", 6, "1280x720");
  const std::string id = upload(clip);
  ASSERT_FALSE(id.empty());
  json j = transcode_job(id);
  ASSERT_TRUE(j.is_object());
  const std::string job_id = j["id"];
  ASSERT_TRUE(wait_progress(job_id)) << server_->log();

  server_->kill();
  ASSERT_FALSE(temp_folders(media_dir()).empty()) << "killed mid-run: its temp folder remains";
  ASSERT_FALSE(fs::exists(media_dir() / id));

  // The restarted server transcodes fast; the job is re-claimed once its lease expires.
  server_->merge_config({{"plugins", {{"transcoder", {{"preset", "ultrafast"}}}}}});
  ASSERT_TRUE(server_->start());
  json c = wait_status(id, "ready", std::chrono::seconds(60));
  ASSERT_EQ(c.value("status", ""), "ready") << c.dump() << "\n" << server_->log();
  // The content turns ready inside the handler; the worker records the job's success when
  // the handler returns, a moment later.
  EXPECT_TRUE(eventually([&] { return job(job_id).value("state", "") == "succeeded"; },
                         std::chrono::seconds(5)));
  json done = job(job_id);
  EXPECT_EQ(done["state"], "succeeded") << done.dump();
  EXPECT_EQ(done["attempts"], 2) << done.dump();
  EXPECT_TRUE(temp_folders(media_dir()).empty());
  ASSERT_EQ(c["renditions"].size(), 2u) << c.dump();
  EXPECT_EQ(c["renditions"][0]["height"], 720);
  EXPECT_EQ(c["renditions"][0]["segments"], 3);
  auto play = sgtest::run_command({"ffmpeg", "-nostdin", "-v", "error", "-i",
                                   (media_dir() / id / "manifest.mpd").string(), "-f", "null", "-"},
                                  {}, std::chrono::seconds(60));
  EXPECT_EQ(play.exit_code, 0) << play.output;
  EXPECT_EQ(play.output, "");
}

}  // namespace
