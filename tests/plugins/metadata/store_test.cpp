// ContentStore on SQLite and PostgreSQL: CRUD, owner rule, filters, search, pagination.
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include <streamgate/plugin.hpp>

#include "content_store.hpp"
#include "db_backends.hpp"

namespace {

using namespace sg::metadata;
const std::string kAlice = "0xAAAAaaaaAAAAaaaaAAAAaaaaAAAAaaaaAAAAaaaa";
const std::string kBob = "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

template <typename B>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SGDATA_REQUIRE_BACKEND(B);
    db_ = sg::sql::Database::open(B::config(dir_));
    store_ = std::make_unique<ContentStore>(*db_);
    store_->migrate();
    store_->migrate();  // idempotent
  }
  Content add(const std::string& owner, json fields) {
    auto c = new_content(owner, fields, Writer::rest);
    store_->insert(c);
    return c;
  }
  sgtest::TempDir dir_{"sgmeta"};
  std::unique_ptr<sg::sql::Database> db_;
  std::unique_ptr<ContentStore> store_;
};
TYPED_TEST_SUITE(StoreTest, sgdata::Backends, sgdata::BackendNames);

TYPED_TEST(StoreTest, CrudWithMetacharactersStoredVerbatim) {
  const std::string nasty = "x'); DELETE FROM sg_content; -- \"q\" \\ % _ $1 ? ünï";
  auto c = this->add(kAlice,
                     {{"title", nasty}, {"description", nasty}, {"tags", {nasty.substr(0, 50)}}});
  auto got = this->store_->get(c.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->title, nasty);
  EXPECT_EQ(got->description, nasty);
  EXPECT_EQ(got->tags[0], nasty.substr(0, 50));
  EXPECT_EQ(got->owner, kAlice);

  auto up = this->store_->update(c.id, kAlice, [](Content& x) {
    apply_patch(x, {{"title", "new"}, {"tags", {"a", "b"}}}, Writer::rest);
  });
  EXPECT_EQ(up.title, "new");
  EXPECT_EQ(this->store_->get(c.id)->tags, (std::vector<std::string>{"a", "b"}));
  // Owner check is case-insensitive on the address and refuses others.
  EXPECT_NO_THROW(this->store_->update(c.id, sg::sql::lower(kAlice), [](Content&) {}));
  try {
    this->store_->update(c.id, kBob, [](Content&) {});
    FAIL();
  } catch (const sg::Error& e) {
    EXPECT_EQ(e.status(), SG_ERR_DENIED);
  }
  EXPECT_THROW(this->store_->remove(c.id, kBob), sg::Error);
  this->store_->remove(c.id, kAlice);
  EXPECT_FALSE(this->store_->get(c.id));
  try {
    this->store_->remove(c.id, kAlice);
    FAIL();
  } catch (const sg::Error& e) {
    EXPECT_EQ(e.status(), SG_ERR_NOT_FOUND);
  }
}

TYPED_TEST(StoreTest, DuplicateIdIsExists) {
  auto c = new_content(kAlice, {{"id", sg::sql::uuid_v4()}}, Writer::service);
  this->store_->insert(c);
  try {
    this->store_->insert(c);
    FAIL();
  } catch (const sg::Error& e) {
    EXPECT_EQ(e.status(), SG_ERR_EXISTS);
  }
}

TYPED_TEST(StoreTest, ListFiltersVisibilityAndSearch) {
  this->add(kAlice, {{"title", "Ocean waves at dawn"}, {"tags", {"nature"}}});
  this->add(kAlice, {{"title", "Private diary"}, {"visibility", "signed_in"}});
  this->add(kBob,
            {{"title", "City lights"}, {"description", "night ocean drive"}, {"tags", {"city"}}});
  this->add(kBob, {{"title", "Bob secret"}, {"visibility", "signed_in"}});

  ListQuery anon;
  EXPECT_EQ(this->store_->list(anon).items.size(), 2u);  // only public
  ListQuery signed_in = anon;
  signed_in.viewer_signed_in = true;
  EXPECT_EQ(this->store_->list(signed_in).items.size(), 4u);  // every visibility
  ListQuery by_owner;
  by_owner.owner = sg::sql::lower(kBob);
  EXPECT_EQ(this->store_->list(by_owner).items.size(), 1u);  // an owner filter hides nothing more
  by_owner.viewer_signed_in = true;
  EXPECT_EQ(this->store_->list(by_owner).items.size(), 2u);
  ListQuery tag;
  tag.tag = "nature";
  ASSERT_EQ(this->store_->list(tag).items.size(), 1u);
  ListQuery vis;
  vis.visibility = "signed_in";
  EXPECT_EQ(this->store_->list(vis).items.size(), 0u);
  vis.viewer_signed_in = true;
  EXPECT_EQ(this->store_->list(vis).items.size(), 2u);
  ListQuery st;
  st.status = "ready";
  EXPECT_EQ(this->store_->list(st).items.size(), 0u);

  ListQuery search;
  search.q = "ocean";
  EXPECT_EQ(this->store_->list(search).items.size(), 2u);  // title and description
  search.q = "OCEAN dawn";
  EXPECT_EQ(this->store_->list(search).items.size(), 1u);  // all words, any case
  search.q = "\" OR 1=1 -- *";
  EXPECT_EQ(this->store_->list(search).items.size(), 0u);  // syntax is just words
  search.q = "nothingmatches";
  EXPECT_EQ(this->store_->list(search).items.size(), 0u);
}

TYPED_TEST(StoreTest, CursorPagesAreStableAndComplete) {
  std::set<std::string> ids;
  for (int i = 0; i < 7; ++i)
    ids.insert(this->add(kAlice, {{"title", "t" + std::to_string(i)}}).id);
  ListQuery q;
  q.limit = 3;
  std::vector<std::string> seen;
  int64_t prev = INT64_MAX;
  for (int page = 0; page < 10; ++page) {
    auto p = this->store_->list(q);
    for (auto& c : p.items) {
      EXPECT_LE(c.created_at, prev);  // newest first
      prev = c.created_at;
      seen.push_back(c.id);
    }
    if (!p.next_cursor) break;
    q.cursor = p.next_cursor;
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), ids);
  q.cursor = "garbage!";
  EXPECT_THROW(this->store_->list(q), sg::Error);
}

TEST(Fts5Query, QuotesEveryWord) {
  EXPECT_EQ(fts5_query("hello world"), "\"hello\" \"world\"");
  EXPECT_EQ(fts5_query("a\"b OR c*"), "\"a\" \"b\" \"OR\" \"c\"");
  EXPECT_FALSE(fts5_query(" -- '\" ").has_value());
}

}  // namespace
