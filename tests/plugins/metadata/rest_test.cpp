// /api/v1/content through the real binary, on SQLite and PostgreSQL.
#include <set>

#include "meta_fixture.hpp"

namespace {

using namespace mtest;

template <typename B>
using ContentRest = MetaServer<B>;
TYPED_TEST_SUITE(ContentRest, sgdata::Backends, sgdata::BackendNames);

TYPED_TEST(ContentRest, CreateGetPatchDeleteWithOwnership) {
  const std::string nasty = "'; DROP TABLE sg_content; -- \"x\" \\ %_ <script>";
  auto c =
      this->create(kAlice, {{"title", nasty}, {"description", nasty}, {"tags", {"a'b", "c;d"}}});
  std::string id = c["id"];
  EXPECT_EQ(c["owner"], kAlice);
  EXPECT_EQ(c["status"], "uploading");

  auto got = this->req("GET", "/api/v1/content/" + id);  // anonymous read
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json()["title"], nasty);
  EXPECT_EQ(got.json()["tags"], json({"a'b", "c;d"}));

  expect_error(this->req("PATCH", "/api/v1/content/" + id, R"({"title":"x"})"), 401,
               "unauthorized");
  expect_error(this->req("PATCH", "/api/v1/content/" + id, R"({"title":"x"})", as(kBob)), 403,
               "forbidden");
  auto p = this->req("PATCH", "/api/v1/content/" + id,
                     json{{"visibility", "token_gated"},
                          {"gate",
                           {{"chain_id", 1},
                            {"contract", "0x" + std::string(40, 'b')},
                            {"standard", "erc1155"},
                            {"token_id", "42"},
                            {"min_balance", 2}}}}
                         .dump(),
                     as(kAlice));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json()["gate"]["token_id"], "42");
  EXPECT_EQ(p.json()["title"], nasty);  // untouched fields stay

  expect_error(this->req("DELETE", "/api/v1/content/" + id), 401, "unauthorized");
  expect_error(this->req("DELETE", "/api/v1/content/" + id, "", as(kBob)), 403, "forbidden");
  EXPECT_EQ(this->req("DELETE", "/api/v1/content/" + id, "", as(kAlice)).status, 204);
  expect_error(this->req("GET", "/api/v1/content/" + id), 404, "not_found");
  expect_error(this->req("DELETE", "/api/v1/content/" + id, "", as(kAlice)), 404, "not_found");
}

TYPED_TEST(ContentRest, BadInputIsA4xxNamingTheField) {
  expect_error(this->req("POST", "/api/v1/content", R"({"title":"x"})"), 401, "unauthorized");
  auto post = [&](const std::string& body) {
    return this->req("POST", "/api/v1/content", body, as(kAlice));
  };
  expect_error(post("{not json"), 400, "invalid_json");
  expect_error(post("[1,2]"), 400, "invalid_request", "body");
  expect_error(post(R"({"title":7})"), 400, "invalid_request", "title");
  expect_error(post(R"({"title":"t","colour":"red"})"), 400, "invalid_request", "colour");
  expect_error(post(json{{"title", std::string(201, 'x')}}.dump()), 400, "invalid_request",
               "title");
  expect_error(post(json{{"title", "t"}, {"description", std::string(5001, 'x')}}.dump()), 400,
               "invalid_request", "description");
  expect_error(post(R"({"title":"t","tags":[1]})"), 400, "invalid_request", "tags[0]");
  expect_error(post(R"({"title":"t","visibility":"friends"})"), 400, "invalid_request",
               "visibility");
  expect_error(post(R"({"title":"t","visibility":"token_gated"})"), 400, "invalid_request", "gate");
  expect_error(
      post(
          R"({"title":"t","visibility":"token_gated","gate":{"chain_id":1,"contract":"0xzz","standard":"erc721"}})"),
      400, "invalid_request", "gate.contract");
  expect_error(post(R"({"title":"t","status":"ready"})"), 400, "invalid_request", "status");

  expect_error(this->req("GET", "/api/v1/content/not-a-uuid"), 400, "invalid_request", "id");
  expect_error(this->req("GET", "/api/v1/content/'%20OR%201=1--"), 400, "invalid_request", "id");
  expect_error(this->req("PATCH", "/api/v1/content/123", "{}", as(kAlice)), 400, "invalid_request",
               "id");
  auto c = this->create(kAlice, {{"title", "ok"}});
  std::string id = c["id"];
  expect_error(this->req("PATCH", "/api/v1/content/" + id, R"({"owner":"0x"})", as(kAlice)), 400,
               "invalid_request", "owner");
  expect_error(this->req("PATCH", "/api/v1/content/" + id, R"({"tags":"x"})", as(kAlice)), 400,
               "invalid_request", "tags");
  // A refused patch changes nothing.
  EXPECT_EQ(this->req("GET", "/api/v1/content/" + id).json()["title"], "ok");

  expect_error(this->req("GET", "/api/v1/content?limit=0"), 400, "invalid_request", "limit");
  expect_error(this->req("GET", "/api/v1/content?limit=101"), 400, "invalid_request", "limit");
  expect_error(this->req("GET", "/api/v1/content?limit=abc"), 400, "invalid_request", "limit");
  expect_error(this->req("GET", "/api/v1/content?owner=bob"), 400, "invalid_request", "owner");
  expect_error(this->req("GET", "/api/v1/content?status=done"), 400, "invalid_request", "status");
  expect_error(this->req("GET", "/api/v1/content?cursor=xx%27"), 400, "invalid_request", "cursor");
  expect_error(this->req("GET", "/api/v1/content?sort=title"), 400, "invalid_request", "sort");
}

TYPED_TEST(ContentRest, ListVisibilityPaginationFiltersAndSearch) {
  this->create(kAlice, {{"title", "Sunrise over the ocean"}, {"tags", {"nature"}}});
  this->create(kAlice, {{"title", "Alice members only"}, {"visibility", "signed_in"}});
  this->create(kBob, {{"title", "Bob public"}, {"description", "an ocean ride"}});
  this->create(kBob, {{"title", "Bob members only"}, {"visibility", "signed_in"}});

  auto anon = this->req("GET", "/api/v1/content").json();
  EXPECT_EQ(anon["items"].size(), 2u);
  for (auto& i : anon["items"]) EXPECT_EQ(i["visibility"], "public");
  auto alice = this->req("GET", "/api/v1/content", "", as(kAlice)).json();
  EXPECT_EQ(alice["items"].size(), 4u);  // a signed-in wallet sees signed_in records
  auto bobs = this->req("GET", "/api/v1/content?owner=" + kBob).json();
  EXPECT_EQ(bobs["items"].size(), 1u);
  EXPECT_EQ(
      this->req("GET", "/api/v1/content?owner=" + kBob, "", as(kAlice)).json()["items"].size(), 2u);

  auto p1 = this->req("GET", "/api/v1/content?limit=1", "", as(kAlice)).json();
  ASSERT_EQ(p1["items"].size(), 1u);
  std::vector<std::string> seen{p1["items"][0]["id"]};
  std::string cursor = p1["next_cursor"];
  while (!cursor.empty()) {
    auto p = this->req("GET", "/api/v1/content?limit=1&cursor=" + cursor, "", as(kAlice)).json();
    for (auto& i : p["items"]) seen.push_back(i["id"]);
    cursor = p["next_cursor"].is_string() ? std::string(p["next_cursor"]) : std::string();
  }
  EXPECT_EQ(seen.size(), 4u);

  EXPECT_EQ(this->req("GET", "/api/v1/content?tag=nature").json()["items"].size(), 1u);
  EXPECT_EQ(this->req("GET", "/api/v1/content?q=ocean").json()["items"].size(), 2u);
  EXPECT_EQ(this->req("GET", "/api/v1/content?q=ocean%20sunrise").json()["items"].size(), 1u);
  EXPECT_EQ(this->req("GET", "/api/v1/content?q=%27%3B%20DROP").json()["items"].size(), 0u);
  EXPECT_EQ(
      this->req("GET", "/api/v1/content?status=uploading&visibility=public").json()["items"].size(),
      2u);
}

// Issue 10.8: the anonymous list hid signed_in records, but ?owner= and GET by id showed
// them to anyone. One rule now (metadata_visible): signed_in metadata needs a signed-in
// caller; public and token_gated metadata is open (the media is what a gate protects).
TYPED_TEST(ContentRest, ListFilterAndGetAgreeOnVisibility) {
  std::string members =
      this->create(kBob, {{"title", "Bob members only"}, {"visibility", "signed_in"}})["id"];
  std::string gated = this->create(kBob, {{"title", "Bob holders only"},
                                          {"visibility", "token_gated"},
                                          {"gate",
                                           {{"chain_id", 1},
                                            {"contract", "0x" + std::string(40, 'b')},
                                            {"standard", "erc721"}}}})["id"];
  for (int pass = 0; pass < 2; ++pass) {  // the second GET is a cache hit
    expect_error(this->req("GET", "/api/v1/content/" + members), 401, "unauthorized");
    EXPECT_EQ(this->req("GET", "/api/v1/content/" + members, "", as(kAlice)).status, 200);
    EXPECT_EQ(this->req("GET", "/api/v1/content/" + gated).status, 200);
  }
  auto ids = [](const json& page) {
    std::set<std::string> out;
    for (const auto& i : page["items"]) out.insert(i["id"].get<std::string>());
    return out;
  };
  for (const std::string& query :
       std::vector<std::string>{"", "?owner=" + kBob, "?visibility=signed_in",
                                "?owner=" + kBob + "&visibility=signed_in", "?q=Bob"}) {
    auto anon = ids(this->req("GET", "/api/v1/content" + query).json());
    EXPECT_EQ(anon.count(members), 0u) << query;
    auto alice = ids(this->req("GET", "/api/v1/content" + query, "", as(kAlice)).json());
    EXPECT_EQ(alice.count(members), 1u) << query;
  }
  EXPECT_EQ(ids(this->req("GET", "/api/v1/content").json()).count(gated), 1u);
}

}  // namespace

namespace {

using namespace mtest;

// Trust auth ignores it, but it must never show up in a log.
std::string with_password(std::string url) {
  return url.replace(url.find("postgres@"), 9, "postgres:hunter2secret@");
}

// Losing PostgreSQL at run time turns into 503 JSON (no crash, no hang); when the server
// is back the same process serves again.
TEST(ContentRestPostgres, DatabaseLossIs503ThenRecovers) {
  if (!sgtest::PostgresServer::available()) GTEST_SKIP() << "postgres not installed";
  sgtest::PostgresServer pg;
  pg.start();
  sgtest::StreamGateServer server(json{{"database",
                                        {{"driver", "postgres"},
                                         {"postgres_url", with_password(pg.url())},
                                         {"connect_timeout_s", 2}}}});
  server.use_plugins({"gateway", "metadata", "test_identity"});
  ASSERT_TRUE(server.start());
  ASSERT_TRUE(eventually([&] { return server.request("GET", "/api/v1/content").status == 200; }));
  auto c = server.request("POST", "/api/v1/content", R"({"title":"t"})", as(kAlice));
  ASSERT_EQ(c.status, 201) << c.body;
  std::string id = c.json()["id"];

  pg.kill();
  auto t0 = std::chrono::steady_clock::now();
  auto r = server.request("GET", "/api/v1/content/" + id);
  expect_error(r, 503, "service_unavailable");
  expect_error(server.request("POST", "/api/v1/content", R"({"title":"t"})", as(kAlice)), 503,
               "service_unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(8));
  EXPECT_TRUE(server.running());
  EXPECT_EQ(server.log().find("hunter2secret"), std::string::npos) << "password logged";

  pg.start();
  // The test server runs with synchronous_commit off, so its immediate shutdown may lose
  // the last commits: recovery is shown by serving new writes and reads, not the old row.
  std::string last;
  EXPECT_TRUE(eventually(
      [&] {
        auto resp = server.request("POST", "/api/v1/content", R"({"title":"again"})", as(kAlice));
        last = resp.body;
        return resp.status == 201;
      },
      std::chrono::seconds(20)))
      << "last answer " << last << "\n"
      << server.log();
  std::string id2 = json::parse(last).value("id", std::string());
  EXPECT_EQ(server.request("GET", "/api/v1/content/" + id2).status, 200);
  server.stop();
}

}  // namespace
