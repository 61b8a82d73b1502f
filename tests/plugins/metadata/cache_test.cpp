// GET /api/v1/content/{id} through the cache plugin (service cache v1): never stale after a
// write on any path, hits served without the database, TTL, cache off, and Redis down. Plus
// ContentCache in-process on hand-built cache tables: one round trip per hit with a v1.1
// provider, the two-read path with a v1.0 one.
#include <gtest/gtest-spi.h>

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>
#include <vector>

#include "content_cache.hpp"
#include "meta_fixture.hpp"
#include "sql/database.hpp"

namespace {

using namespace mtest;

bool have_monitor() {
  return std::filesystem::exists(std::string(SG_TEST_PLUGIN_DIR) + "/monitor.so");
}

std::vector<std::string> plugins_with(std::vector<std::string> ids) {
  if (have_monitor()) ids.push_back("monitor");
  return ids;
}

json monitor_section() {
  return {{"admin_allow_loopback", true}, {"metrics", {{"allow", {"127.0.0.1"}}}}};
}

// metadata's health "cache" object from the monitor's plugin list (null without monitor).
json metadata_cache_health(sgtest::StreamGateServer& s) {
  if (!have_monitor()) return nullptr;
  auto r = s.request("GET", "/api/v1/admin/plugins");
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return nullptr;
  for (const auto& p : r.json())
    if (p.value("id", "") == "metadata") return p["health"]["cache"];
  ADD_FAILURE() << "metadata missing from the plugin list: " << r.body;
  return nullptr;
}

// Behind metadata's back: change a row directly in the SQLite file the server uses.
void sqlite_set_title(const std::filesystem::path& db_path, const std::string& id,
                      const std::string& title) {
  sg::sql::Config c;
  c.driver = sg::sql::Driver::sqlite;
  c.sqlite_path = db_path.string();
  auto db = sg::sql::Database::open(c);
  db->write([&](sg::sql::Session& s) {
    s.exec("UPDATE sg_content SET title = $1 WHERE id = $2", {title, id});
  });
}

// gateway + test identity + cache (memory) + metadata + the service client, on both
// databases. A long TTL, so a missed invalidation shows as a stale read, not a slow one.
template <typename B>
class CachedMeta : public ::testing::Test {
 protected:
  void SetUp() override {
    SGDATA_REQUIRE_BACKEND(B);
    json db = std::string(B::kName) == "sqlite" ? json{{"driver", "sqlite"}} : B::section(dir_);
    server_ =
        std::make_unique<sgtest::StreamGateServer>(json{{"database", db},
                                                        {"plugins",
                                                         {{"cache", {{"backend", "memory"}}},
                                                          {"metadata", {{"cache_ttl_ms", 600000}}},
                                                          {"monitor", monitor_section()}}}});
    server_->use_plugins(
        plugins_with({"gateway", "test_identity", "cache", "metadata", "test_metadata_client"}));
    ASSERT_TRUE(server_->start());
    ASSERT_TRUE(eventually([&] { return req("POST", "/test-metadata/get", "x").status == 400; }))
        << server_->log();
  }
  sgtest::HttpResponse req(const std::string& m, const std::string& t, const std::string& body = "",
                           sgtest::Headers h = json_only()) {
    return server_->request(m, t, body, h);
  }
  json get(const std::string& id) {
    auto r = req("GET", "/api/v1/content/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false);
  }
  sgtest::TempDir dir_{"sgmetacache"};
  std::unique_ptr<sgtest::StreamGateServer> server_;
};
TYPED_TEST_SUITE(CachedMeta, sgdata::Backends, sgdata::BackendNames);

TYPED_TEST(CachedMeta, EveryWritePathInvalidatesAtOnce) {
  auto created = this->req("POST", "/api/v1/content", R"({"title":"v0"})", as(kAlice));
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = created.json()["id"];
  EXPECT_EQ(this->get(id)["title"], "v0");  // miss: populates
  EXPECT_EQ(this->get(id)["title"], "v0");  // hit

  // REST PATCH, many rounds: each read right after the write answer sees the write.
  for (int i = 1; i <= 20; ++i) {
    std::string title = "v" + std::to_string(i);
    auto p = this->req("PATCH", "/api/v1/content/" + id, json{{"title", title}}.dump(), as(kAlice));
    ASSERT_EQ(p.status, 200) << p.body;
    EXPECT_EQ(this->get(id)["title"], title);
    EXPECT_EQ(this->get(id)["title"], title);
  }
  // A refused write (not the owner) changes nothing and the cached body stays right.
  EXPECT_EQ(this->req("PATCH", "/api/v1/content/" + id, R"({"title":"bob"})", as(kBob)).status,
            403);
  EXPECT_EQ(this->get(id)["title"], "v20");

  // Service update_status and update_fields.
  auto r =
      this->req("POST", "/test-metadata/status", json{{"id", id}, {"status", "processing"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(this->get(id)["status"], "processing");
  r = this->req("POST", "/test-metadata/fields",
                json{{"id", id}, {"patch", {{"poster", "p.jpg"}}}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(this->get(id)["poster"], "p.jpg");

  // Event-driven status changes (asynchronous: wait for them, but a missed invalidation
  // would keep the old body for the 10-minute TTL and fail here).
  this->req("POST", "/test-metadata/publish",
            json{{"topic", "transcode.completed"}, {"payload", {{"content_id", id}}}}.dump());
  EXPECT_TRUE(eventually([&] { return this->get(id)["status"] == "ready"; }));
  this->req(
      "POST", "/test-metadata/publish",
      json{{"topic", "transcode.failed"}, {"payload", {{"content_id", id}, {"error", "no video"}}}}
          .dump());
  EXPECT_TRUE(eventually([&] { return this->get(id)["status"] == "failed"; }));
  EXPECT_EQ(this->get(id)["status_reason"], "no video");

  // REST DELETE, then service delete of another cached record.
  ASSERT_EQ(this->req("DELETE", "/api/v1/content/" + id, "", as(kAlice)).status, 204);
  expect_error(this->req("GET", "/api/v1/content/" + id), 404, "not_found");
  auto other = this->req("POST", "/api/v1/content", R"({"title":"o"})", as(kAlice));
  ASSERT_EQ(other.status, 201) << other.body;
  std::string oid = other.json()["id"];
  EXPECT_EQ(this->get(oid)["title"], "o");
  EXPECT_EQ(this->get(oid)["title"], "o");
  r = this->req("POST", "/test-metadata/delete", json{{"id", oid}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  expect_error(this->req("GET", "/api/v1/content/" + oid), 404, "not_found");

  // The same id created again (service callers choose ids) shows the new record.
  r = this->req("POST", "/test-metadata/create",
                json{{"owner", kBob}, {"fields", {{"id", oid}, {"title", "reborn"}}}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(this->get(oid)["title"], "reborn");
  EXPECT_EQ(this->get(oid)["owner"], kBob);

  if (auto h = metadata_cache_health(*this->server_); !h.is_null()) {
    EXPECT_TRUE(h.value("enabled", false)) << h.dump();
    EXPECT_GT(h.value("hits", 0), 20) << h.dump();
    EXPECT_GE(h.value("invalidations", 0), 26) << h.dump();
    EXPECT_EQ(h.value("errors", -1), 0) << h.dump();
  }
}

// Many readers racing one writer: once a PATCH has answered, no read started after it
// returns an older title (a racing read-populate must not leave the old body servable).
// A cached record keeps its visibility: an anonymous hit on a signed_in record is refused
// like the database path refuses it (issue 10.8).
TYPED_TEST(CachedMeta, HitsKeepTheVisibilityRule) {
  auto created = this->req("POST", "/api/v1/content",
                           R"({"title":"members","visibility":"signed_in"})", as(kAlice));
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = created.json()["id"];
  for (int i = 0; i < 2; ++i) {  // miss, then hit
    auto r = this->req("GET", "/api/v1/content/" + id, "", as(kBob));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["title"], "members");
  }
  expect_error(this->req("GET", "/api/v1/content/" + id), 401, "unauthorized");
  auto patched =
      this->req("PATCH", "/api/v1/content/" + id, R"({"visibility":"public"})", as(kAlice));
  ASSERT_EQ(patched.status, 200) << patched.body;
  for (int i = 0; i < 2; ++i) EXPECT_EQ(this->get(id)["visibility"], "public");
}

TYPED_TEST(CachedMeta, ConcurrentReadersNeverSeeAnOlderVersionAfterTheWrite) {
  auto created = this->req("POST", "/api/v1/content", R"({"title":"0"})", as(kAlice));
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = created.json()["id"];
  std::atomic<int> committed{0};
  std::atomic<bool> done{false};
  std::atomic<int> stale{0}, reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        int floor = committed.load();
        auto r = this->server_->request("GET", "/api/v1/content/" + id);
        if (r.status != 200) continue;
        std::string title = json::parse(r.body)["title"];
        int seen = std::stoi(title);
        reads.fetch_add(1);
        if (seen < floor) stale.fetch_add(1);
      }
    });
  }
  for (int i = 1; i <= 30; ++i) {
    auto p = this->req("PATCH", "/api/v1/content/" + id, json{{"title", std::to_string(i)}}.dump(),
                       as(kAlice));
    ASSERT_EQ(p.status, 200) << p.body;
    committed.store(i);
  }
  done.store(true);
  for (auto& t : readers) t.join();
  EXPECT_EQ(stale.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_GT(reads.load(), 30);
  EXPECT_EQ(this->get(id)["title"], "30");
}

// A hit does not touch the database: a row changed behind metadata's back keeps answering
// the cached body until the TTL ends, then the database's.
TEST(CachedMetaSqlite, HitIsServedFromTheCacheUntilTheTtl) {
  sgtest::StreamGateServer s(json{{"plugins",
                                   {{"cache", {{"backend", "memory"}}},
                                    {"metadata", {{"cache_ttl_ms", 1500}}},
                                    {"monitor", monitor_section()}}}});
  s.use_plugins(plugins_with({"gateway", "test_identity", "cache", "metadata"}));
  ASSERT_TRUE(s.start());
  ASSERT_TRUE(eventually([&] { return s.request("GET", "/api/v1/content").status == 200; }));
  auto c = s.request("POST", "/api/v1/content", R"({"title":"cached"})", as(kAlice));
  ASSERT_EQ(c.status, 201) << c.body;
  std::string id = c.json()["id"];
  auto first = s.request("GET", "/api/v1/content/" + id);  // miss: populates
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.header("content-type"), "application/json");
  auto before = metadata_cache_health(s);

  sqlite_set_title(s.data_dir() / "streamgate.db", id, "changed behind the back");
  auto hit = s.request("GET", "/api/v1/content/" + id);
  ASSERT_EQ(hit.status, 200) << hit.body;
  EXPECT_EQ(hit.body, first.body);  // byte for byte what the database path answered
  EXPECT_EQ(hit.header("content-type"), "application/json");
  if (!before.is_null()) {
    auto after = metadata_cache_health(s);
    EXPECT_EQ(after.value("hits", 0), before.value("hits", 0) + 1) << after.dump();
    EXPECT_EQ(after.value("misses", -1), before.value("misses", -1)) << after.dump();
    auto m = s.request("GET", "/metrics");
    EXPECT_NE(m.body.find("\nsg_cache_hits_total "), std::string::npos) << m.body;
  }
  EXPECT_TRUE(eventually(
      [&] {
        return s.request("GET", "/api/v1/content/" + id).json()["title"] ==
               "changed behind the back";
      },
      std::chrono::seconds(10)));
}

// cache_ttl_ms: 0 turns the cache off even with cache.so loaded (the control for the test
// above: the same change shows at once); a bad value is a start-up error.
TEST(CachedMetaSqlite, TtlZeroDisablesAndBadTtlIsRefused) {
  sgtest::StreamGateServer s(json{{"plugins",
                                   {{"cache", {{"backend", "memory"}}},
                                    {"metadata", {{"cache_ttl_ms", 0}}},
                                    {"monitor", monitor_section()}}}});
  s.use_plugins(plugins_with({"gateway", "test_identity", "cache", "metadata"}));
  ASSERT_TRUE(s.start());
  ASSERT_TRUE(eventually([&] { return s.request("GET", "/api/v1/content").status == 200; }));
  auto c = s.request("POST", "/api/v1/content", R"({"title":"plain"})", as(kAlice));
  ASSERT_EQ(c.status, 201) << c.body;
  std::string id = c.json()["id"];
  EXPECT_EQ(s.request("GET", "/api/v1/content/" + id).json()["title"], "plain");
  sqlite_set_title(s.data_dir() / "streamgate.db", id, "direct");
  EXPECT_EQ(s.request("GET", "/api/v1/content/" + id).json()["title"], "direct");
  if (auto h = metadata_cache_health(s); !h.is_null()) {
    EXPECT_FALSE(h.value("enabled", true)) << h.dump();
  }
  s.stop();

  sgtest::StreamGateServer bad(json{{"plugins", {{"metadata", {{"cache_ttl_ms", -5}}}}}});
  bad.use_plugins({"gateway", "cache", "metadata"});
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    EXPECT_FALSE(bad.start(std::chrono::seconds(5)));
  }
  EXPECT_NE(bad.log().find("plugins.metadata.cache_ttl_ms"), std::string::npos) << bad.log();
}

// Redis down: reads and writes answer from the database (no 5xx, no long stall), and
// invalidations that could not reach Redis do not fail the write.
TEST(CachedMetaRedis, RedisDownDegradesToTheDatabase) {
  if (!sgtest::RedisServer::available()) GTEST_SKIP() << "redis-server not installed";
  sgtest::RedisServer redis;
  redis.start();
  sgtest::StreamGateServer s(
      json{{"plugins",
            {{"cache",
              {{"backend", "redis"},
               {"redis",
                {{"url", redis.url()}, {"connect_timeout_ms", 200}, {"command_timeout_ms", 200}}}}},
             {"metadata", {{"cache_ttl_ms", 600000}}},
             {"monitor", monitor_section()}}}});
  s.use_plugins(plugins_with({"gateway", "test_identity", "cache", "metadata"}));
  ASSERT_TRUE(s.start());
  ASSERT_TRUE(eventually([&] { return s.request("GET", "/api/v1/content").status == 200; }));
  auto c = s.request("POST", "/api/v1/content", R"({"title":"r0"})", as(kAlice));
  ASSERT_EQ(c.status, 201) << c.body;
  std::string id = c.json()["id"];
  EXPECT_EQ(s.request("GET", "/api/v1/content/" + id).json()["title"], "r0");
  EXPECT_EQ(s.request("GET", "/api/v1/content/" + id).json()["title"], "r0");
  if (auto h = metadata_cache_health(s); !h.is_null()) {
    EXPECT_EQ(h.value("hits", 0), 1) << h.dump();  // Redis really served the second read
  }

  redis.stop();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    auto g = s.request("GET", "/api/v1/content/" + id);
    ASSERT_EQ(g.status, 200) << g.body;
    EXPECT_EQ(g.json()["title"], "r0");
  }
  auto p = s.request("PATCH", "/api/v1/content/" + id, R"({"title":"r1"})", as(kAlice));
  ASSERT_EQ(p.status, 200) << p.body;
  auto g = s.request("GET", "/api/v1/content/" + id);
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(g.json()["title"], "r1");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(8));
  if (auto h = metadata_cache_health(s); !h.is_null()) {
    EXPECT_GT(h.value("errors", 0), 0) << h.dump();
    EXPECT_TRUE(h.value("degraded", false)) << h.dump();
  }
  EXPECT_NE(s.log().find("metadata: cache"), std::string::npos) << s.log();
  EXPECT_TRUE(s.running());
}

// A minimal in-process cache table (no TTL) counting the calls ContentCache makes. With
// v1_0 its struct_size ends before get_many, as a provider built against cache 1.0 would
// register it, and get_many points at a trap.
class TableCache {
 public:
  explicit TableCache(bool v1_0) {
    t_.struct_size =
        v1_0 ? static_cast<uint32_t>(offsetof(sg_cache_service, get_many)) : sizeof(t_);
    t_.self = this;
    t_.get = [](void* self, const char* k, size_t n, sg_owned_str* out, sg_error*) {
      auto& c = *static_cast<TableCache*>(self);
      ++c.gets;
      return c.lookup(std::string(k, n), out);
    };
    t_.set = [](void* self, const char* k, size_t n, const char* v, size_t vn, uint64_t,
                sg_error*) {
      static_cast<TableCache*>(self)->kv[std::string(k, n)] = std::string(v, vn);
      return SG_OK;
    };
    t_.set_if_absent = [](void* self, const char* k, size_t n, const char* v, size_t vn, uint64_t,
                          sg_error*) {
      bool added =
          static_cast<TableCache*>(self)->kv.emplace(std::string(k, n), std::string(v, vn)).second;
      return added ? SG_OK : SG_ERR_EXISTS;
    };
    t_.del = [](void* self, const char* k, size_t n, int* removed, sg_error*) {
      size_t erased = static_cast<TableCache*>(self)->kv.erase(std::string(k, n));
      if (removed != nullptr) *removed = erased > 0 ? 1 : 0;
      return SG_OK;
    };
    // Answers later, from another thread, as the Redis pipeline does.
    t_.get_many_async = +[](void* self, const char* const* keys, const size_t* sizes, size_t count,
                            void (*done)(void*, sg_status, const sg_cache_value*, const sg_status*,
                                         const sg_error*),
                            void* user) {
      auto& c = *static_cast<TableCache*>(self);
      ++c.async;
      std::vector<std::string> found(count);
      std::vector<sg_status> statuses(count);
      for (size_t i = 0; i < count; ++i) {
        auto it = c.kv.find(std::string(keys[i], sizes[i]));
        statuses[i] = it == c.kv.end() ? SG_ERR_NOT_FOUND : SG_OK;
        if (it != c.kv.end()) found[i] = it->second;
      }
      c.later.emplace_back([=] {
        std::vector<sg_cache_value> values;
        for (const auto& v : found) values.push_back({v.data(), v.size()});
        done(user, SG_OK, values.data(), statuses.data(), nullptr);
      });
      return SG_OK;
    };
    t_.get_many = v1_0 ? &trap
                       : +[](void* self, const char* const* keys, const size_t* sizes, size_t count,
                             sg_owned_str* values, sg_status* statuses, sg_error*) {
                           auto& c = *static_cast<TableCache*>(self);
                           ++c.many;
                           for (size_t i = 0; i < count; ++i)
                             statuses[i] = c.lookup(std::string(keys[i], sizes[i]), &values[i]);
                           return SG_OK;
                         };
  }
  const sg_cache_service* table() const { return &t_; }

  std::map<std::string, std::string> kv;
  int gets = 0, many = 0, async = 0;
  std::vector<std::function<void()>> later;  // get_many_async callbacks not delivered yet
  // Delivers the pending callbacks on another thread, as a real provider would.
  void deliver() {
    std::thread([pending = std::move(later)] {
      for (const auto& fn : pending) fn();
    }).join();
    later.clear();
  }

 private:
  static sg_status trap(void*, const char* const*, const size_t*, size_t, sg_owned_str*, sg_status*,
                        sg_error*) {
    ADD_FAILURE() << "get_many called on a table whose struct_size ends before it";
    return SG_ERR_INTERNAL;
  }
  sg_status lookup(const std::string& key, sg_owned_str* out) {
    *out = sg_owned_str{};
    auto it = kv.find(key);
    if (it == kv.end()) return SG_ERR_NOT_FOUND;
    return sg::provider::give(it->second, out) ? SG_OK : SG_ERR_INTERNAL;
  }
  sg_cache_service t_{};
};

// Miss (generation created), store, hit, invalidate, miss, hit again: the same answers on
// either table; returns the calls of the final hit.
void read_through_cycle(TableCache& c, int& gets_per_hit, int& many_per_hit) {
  sg::metadata::ContentCache cache(sg::Host(), c.table(), 60000);
  auto first = cache.get("id1");
  EXPECT_FALSE(first.body);
  ASSERT_FALSE(first.token.empty());
  cache.put("id1", first.token, R"({"v":1})");
  auto hit = cache.get("id1");
  ASSERT_TRUE(hit.body);
  EXPECT_EQ(*hit.body, R"({"v":1})");

  cache.invalidate("id1");
  auto after = cache.get("id1");
  EXPECT_FALSE(after.body);
  ASSERT_FALSE(after.token.empty());
  EXPECT_NE(after.token, first.token);
  cache.put("id1", first.token, R"({"v":1})");  // a late writer of the old version...
  EXPECT_FALSE(cache.get("id1").body);          // ...is never served
  cache.put("id1", after.token, R"({"v":2})");

  int gets0 = c.gets, many0 = c.many;
  auto again = cache.get("id1");
  ASSERT_TRUE(again.body);
  EXPECT_EQ(*again.body, R"({"v":2})");
  gets_per_hit = c.gets - gets0;
  many_per_hit = c.many - many0;
  auto h = cache.health();
  EXPECT_EQ(h["hits"], 2);
  EXPECT_EQ(h["misses"], 3);
  EXPECT_EQ(h["errors"], 0);
}

TEST(ContentCacheTables, V1_1ProviderHitIsOneGetMany) {
  TableCache c(false);
  int gets = -1, many = -1;
  read_through_cycle(c, gets, many);
  EXPECT_EQ(gets, 0);
  EXPECT_EQ(many, 1);
}

TEST(ContentCacheTables, V1_0ProviderStillWorksWithTwoReads) {
  TableCache c(true);
  int gets = -1, many = -1;
  read_through_cycle(c, gets, many);
  EXPECT_EQ(gets, 2);
  EXPECT_EQ(many, 0);  // the trap never fired
}

// cache v1.2: a GET's hit check without blocking. Hits only under the current generation, a
// stale or absent body is "ask the database", and wait_idle holds until every callback ran.
TEST(ContentCacheTables, V1_2LookupAsyncAnswersHitsOnlyUnderTheCurrentGeneration) {
  TableCache c(false);
  sg::metadata::ContentCache cache(sg::Host(), c.table(), 60000);
  ASSERT_TRUE(cache.can_lookup_async());
  std::string last_token;  // the generation the last lookup read, on a miss
  auto lookup = [&](const std::string& id) {
    std::optional<sg::metadata::ContentCache::QuickLookup> got;  // set when called back
    cache.lookup_async(id, [&](sg::metadata::ContentCache::QuickLookup r) { got = std::move(r); });
    EXPECT_FALSE(got) << "the table answers later, not inside the call";
    EXPECT_FALSE(cache.wait_idle(std::chrono::milliseconds(0)));
    c.deliver();
    EXPECT_TRUE(cache.wait_idle(std::chrono::milliseconds(0)));
    EXPECT_TRUE(got) << "never called back";
    if (!got) return std::optional<std::string>();
    last_token = got->token;
    if (got->body) {
      EXPECT_TRUE(got->token.empty());
    }
    return got->body;
  };
  EXPECT_FALSE(lookup("id1"));  // nothing cached yet
  auto miss = cache.get("id1");
  cache.put("id1", miss.token, R"({"v":1})");
  EXPECT_EQ(lookup("id1"), std::optional<std::string>(R"({"v":1})"));
  cache.invalidate("id1");
  EXPECT_FALSE(lookup("id1"));                 // the body is gone
  cache.put("id1", miss.token, R"({"v":1})");  // a late writer of the old version...
  EXPECT_FALSE(lookup("id1"));                 // ...is never served
  EXPECT_EQ(c.async, 4);
  EXPECT_EQ(cache.health()["hits"], 1);

  // A miss that read the generation: the blocking path reads the cache no second time, and
  // a body stored under that generation is the next hit.
  ASSERT_FALSE(last_token.empty());
  int many0 = c.many, gets0 = c.gets;
  auto miss2 = cache.get("id1", last_token);
  EXPECT_FALSE(miss2.body);
  EXPECT_EQ(miss2.token, last_token);
  EXPECT_EQ(c.many, many0);
  EXPECT_EQ(c.gets, gets0);
  cache.put("id1", miss2.token, R"({"v":2})");
  EXPECT_EQ(lookup("id1"), std::optional<std::string>(R"({"v":2})"));
  // No generation yet: no token, and get() creates one as before.
  EXPECT_FALSE(lookup("id2"));
  EXPECT_TRUE(last_token.empty());
}

}  // namespace
