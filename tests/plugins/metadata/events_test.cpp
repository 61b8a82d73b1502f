// The metadata service as other plugins use it (through a real client plugin) and the
// status pipeline driven by upload/transcode events.
#include "meta_fixture.hpp"

namespace {

using namespace mtest;

template <typename B>
using ContentPipeline = MetaServer<B>;
TYPED_TEST_SUITE(ContentPipeline, sgdata::Backends, sgdata::BackendNames);

TYPED_TEST(ContentPipeline, ServiceCreateThenEventsMoveTheStatus) {
  std::string id = sg::sql::uuid_v4();
  auto r = this->req("POST", "/test-metadata/create",
                     json{{"owner", kAlice},
                          {"fields", {{"id", id}, {"title", "clip.mp4"}, {"status", "uploading"}}}}
                         .dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["id"], id);
  // Same id again: SG_ERR_EXISTS (3).
  r = this->req("POST", "/test-metadata/create",
                json{{"owner", kAlice}, {"fields", {{"id", id}}}}.dump());
  EXPECT_EQ(r.json()["error"]["code"], "3") << r.body;
  // Unknown field through the service: SG_ERR_INVALID (1), message names it.
  r = this->req("POST", "/test-metadata/create",
                json{{"owner", kAlice}, {"fields", {{"nope", 1}}}}.dump());
  EXPECT_EQ(r.json()["error"]["code"], "1") << r.body;

  auto status = [&] { return this->req("GET", "/api/v1/content/" + id).json()["status"]; };
  this->req("POST", "/test-metadata/publish",
            json{{"topic", "upload.completed"},
                 {"payload", {{"content_id", id}, {"size", 12345}, {"owner", kAlice}}}}
                .dump());
  ASSERT_TRUE(eventually([&] { return status() == "processing"; }));
  EXPECT_EQ(this->req("GET", "/api/v1/content/" + id).json()["source"]["size"], 12345);

  this->req("POST", "/test-metadata/publish",
            json{{"topic", "transcode.completed"},
                 {"payload",
                  {{"content_id", id},
                   {"renditions", {{{"name", "720p"}, {"height", 720}}}},
                   {"poster", "poster.jpg"}}}}
                .dump());
  ASSERT_TRUE(eventually([&] { return status() == "ready"; }));
  auto c = this->req("GET", "/api/v1/content/" + id).json();
  EXPECT_EQ(c["renditions"][0]["name"], "720p");
  EXPECT_EQ(c["poster"], "poster.jpg");

  this->req(
      "POST", "/test-metadata/publish",
      json{{"topic", "transcode.failed"}, {"payload", {{"content_id", id}, {"error", "no video"}}}}
          .dump());
  ASSERT_TRUE(eventually([&] { return status() == "failed"; }));
  EXPECT_EQ(this->req("GET", "/api/v1/content/" + id).json()["status_reason"], "no video");

  // update_status / update_fields / get / delete through the service.
  r = this->req("POST", "/test-metadata/status", json{{"id", id}, {"status", "ready"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  r = this->req("POST", "/test-metadata/status", json{{"id", id}, {"status", "bogus"}}.dump());
  EXPECT_EQ(r.json()["error"]["code"], "1");
  r = this->req(
      "POST", "/test-metadata/fields",
      json{{"id", id}, {"patch", {{"source", {{"width", 1920}, {"height", 1080}}}}}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["source"]["width"], 1920);
  r = this->req("POST", "/test-metadata/get", json{{"id", "nope"}}.dump());
  EXPECT_EQ(r.json()["error"]["code"], "1");
  r = this->req("POST", "/test-metadata/delete", json{{"id", id}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  r = this->req("POST", "/test-metadata/get", json{{"id", id}}.dump());
  EXPECT_EQ(r.json()["error"]["code"], "2");
}

// metadata 1.2: the change stamp moves with every committed change of that id, before the
// change is answered, so a cache can tell its copy is stale without waiting for the event.
TYPED_TEST(ContentPipeline, ChangeStampMovesWithEveryChangeBeforeItIsAnswered) {
  std::string id = sg::sql::uuid_v4();
  auto stamp = [&](const std::string& which) {
    auto r = this->req("POST", "/test-metadata/stamp", json{{"id", which}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["stamp"].template get<uint64_t>();
  };
  uint64_t before = stamp(id);
  ASSERT_EQ(this->req("POST", "/test-metadata/create",
                      json{{"owner", kAlice}, {"fields", {{"id", id}}}}.dump())
                .status,
            200);
  uint64_t created = stamp(id);
  EXPECT_NE(created, before);
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(stamp(upper), created);
  EXPECT_EQ(stamp(id), created);  // reading changes nothing
  auto r = this->req("PATCH", "/api/v1/content/" + id, json{{"visibility", "signed_in"}}.dump(),
                     as(kAlice));
  ASSERT_EQ(r.status, 200) << r.body;
  uint64_t patched = stamp(id);  // already moved when the PATCH was answered
  EXPECT_NE(patched, created);
  ASSERT_EQ(
      this->req("POST", "/test-metadata/status", json{{"id", id}, {"status", "processing"}}.dump())
          .status,
      200);
  uint64_t status_set = stamp(id);
  EXPECT_NE(status_set, patched);
  ASSERT_EQ(this->req("POST", "/test-metadata/delete", json{{"id", id}}.dump()).status, 200);
  EXPECT_NE(stamp(id), status_set);
}

TYPED_TEST(ContentPipeline, UploadCompletedForUnknownContentCreatesIt) {
  std::string id = sg::sql::uuid_v4();
  this->req("POST", "/test-metadata/publish",
            json{{"topic", "upload.completed"},
                 {"payload", {{"content_id", id}, {"size", 1}, {"owner", kBob}}}}
                .dump());
  ASSERT_TRUE(eventually([&] { return this->req("GET", "/api/v1/content/" + id).status == 200; }));
  auto c = this->req("GET", "/api/v1/content/" + id).json();
  EXPECT_EQ(c["owner"], kBob);
  EXPECT_EQ(c["status"], "processing");
}

}  // namespace
