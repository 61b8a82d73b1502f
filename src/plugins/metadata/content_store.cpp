#include "content_store.hpp"

#include <cctype>
#include <functional>

#include <streamgate/plugin.hpp>

#include "sql/migrations.hpp"
#include "sql/util.hpp"

namespace sg::metadata {
namespace {

using sql::Driver;
using sql::Params;
using sql::Row;
using sql::Session;

constexpr const char* kColumns =
    "id, owner, title, description, tags, visibility, gate, status, status_reason, source, "
    "renditions, poster, media, created_at, updated_at";

constexpr const char* kCommonV1 = R"(
CREATE TABLE sg_content (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  owner_key TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  tags TEXT NOT NULL,
  visibility TEXT NOT NULL,
  gate TEXT,
  status TEXT NOT NULL,
  status_reason TEXT,
  source TEXT,
  renditions TEXT NOT NULL,
  poster TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX sg_content_created ON sg_content (created_at, id);
CREATE INDEX sg_content_owner ON sg_content (owner_key, created_at, id);
CREATE INDEX sg_content_status ON sg_content (status, created_at);
CREATE TABLE sg_content_tags (
  content_id TEXT NOT NULL REFERENCES sg_content (id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (content_id, tag)
);
CREATE INDEX sg_content_tags_tag ON sg_content_tags (tag);
)";

// Full text: SQLite keeps a separate FTS5 table maintained in the same transaction as the
// row; PostgreSQL a generated tsvector column with a GIN index. Both use no stemming
// ('simple' / unicode61) so the two backends answer the same queries the same way.
const std::string kSqliteV1 = std::string(kCommonV1) +
                              "CREATE VIRTUAL TABLE sg_content_fts USING fts5(id UNINDEXED, "
                              "title, description, tokenize = 'unicode61 remove_diacritics 2');";
const std::string kPostgresV1 =
    std::string(kCommonV1) +
    "ALTER TABLE sg_content ADD COLUMN search tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', title || ' ' || description)) STORED;"
    "CREATE INDEX sg_content_search ON sg_content USING GIN (search);";

// v2: the transcoder's description of the published media (duration, manifests, storyboard).
constexpr const char* kV2 = "ALTER TABLE sg_content ADD COLUMN media TEXT;";

std::string ph(size_t n) {
  std::string s("$");
  s.append(std::to_string(n));
  return s;
}

Content from_row(const Row& r) {
  Content c;
  c.id = r.str("id");
  c.owner = r.str("owner");
  c.title = r.str("title");
  c.description = r.str("description");
  c.tags = json::parse(r.str("tags")).get<std::vector<std::string>>();
  c.visibility = r.str("visibility");
  if (auto g = r.opt_str("gate")) c.gate = gate_from_json(json::parse(*g));
  c.status = r.str("status");
  c.status_reason = r.opt_str("status_reason");
  if (auto s = r.opt_str("source")) c.source = json::parse(*s);
  c.renditions = json::parse(r.str("renditions"));
  c.poster = r.opt_str("poster");
  if (auto m = r.opt_str("media")) c.media = json::parse(*m);
  c.created_at = r.i64("created_at");
  c.updated_at = r.i64("updated_at");
  return c;
}

std::optional<Content> select(Session& s, const std::string& id) {
  auto r = s.exec(std::string("SELECT ") + kColumns + " FROM sg_content WHERE id = $1", {id});
  if (auto row = r.first()) return from_row(*row);
  return std::nullopt;
}

void check_owner(const Content& c, const std::optional<std::string>& actor) {
  if (actor && sql::lower(*actor) != sql::lower(c.owner))
    throw Error(SG_ERR_DENIED, "only the owner may change this content");
}

}  // namespace

std::optional<std::string> fts5_query(const std::string& text) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!out.empty()) out += ' ';
    out += '"' + word + '"';  // a quoted string is a literal phrase in FTS5 syntax
    word.clear();
  };
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch >= 0x80)
      word += static_cast<char>(ch);
    else
      flush();
  }
  flush();
  if (out.empty()) return std::nullopt;
  return out;
}

void ContentStore::migrate() {
  sql::migrate(db_, "metadata", {{1, kSqliteV1, kPostgresV1}, {2, kV2, kV2}});
}

void ContentStore::write_row(Session& s, const Content& c, bool insert) {
  Params p{c.id,
           c.owner,
           sql::lower(c.owner),
           c.title,
           c.description,
           json(c.tags).dump(),
           c.visibility,
           c.gate ? sql::Value(gate_to_json(*c.gate).dump()) : sql::Value(nullptr),
           c.status,
           sql::opt(c.status_reason),
           c.source ? sql::Value(c.source->dump()) : sql::Value(nullptr),
           c.renditions.dump(),
           sql::opt(c.poster),
           c.created_at,
           c.updated_at,
           c.media ? sql::Value(c.media->dump()) : sql::Value(nullptr)};
  if (insert) {
    s.exec(
        "INSERT INTO sg_content (id, owner, owner_key, title, description, tags, visibility, "
        "gate, status, status_reason, source, renditions, poster, created_at, updated_at, media) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        p);
  } else {
    s.exec(
        "UPDATE sg_content SET owner = $2, owner_key = $3, title = $4, description = $5, "
        "tags = $6, visibility = $7, gate = $8, status = $9, status_reason = $10, "
        "source = $11, renditions = $12, poster = $13, created_at = $14, updated_at = $15, "
        "media = $16 WHERE id = $1",
        p);
    s.exec("DELETE FROM sg_content_tags WHERE content_id = $1", {c.id});
  }
  for (const auto& t : c.tags)
    s.exec("INSERT INTO sg_content_tags (content_id, tag) VALUES ($1, $2)", {c.id, t});
  if (s.driver() == Driver::sqlite) {
    if (!insert) s.exec("DELETE FROM sg_content_fts WHERE id = $1", {c.id});
    s.exec("INSERT INTO sg_content_fts (id, title, description) VALUES ($1, $2, $3)",
           {c.id, c.title, c.description});
  }
}

void ContentStore::insert(const Content& c) {
  try {
    db_.write([&](Session& s) { write_row(s, c, true); });
  } catch (const Error& e) {
    if (e.status() == SG_ERR_EXISTS)
      throw Error(SG_ERR_EXISTS, "id: content " + c.id + " already exists");
    throw;
  }
}

std::optional<Content> ContentStore::get(const std::string& id) {
  std::optional<Content> out;
  db_.read([&](Session& s) { out = select(s, id); });
  return out;
}

Content ContentStore::update(const std::string& id, const std::optional<std::string>& actor,
                             const std::function<void(Content&)>& mutate) {
  Content out;
  db_.write([&](Session& s) {
    // PostgreSQL: lock the row so concurrent patches apply one after the other instead of
    // the second overwriting the first. SQLite's write transaction is already exclusive.
    std::string lock = s.driver() == Driver::postgres ? " FOR UPDATE" : "";
    auto r =
        s.exec(std::string("SELECT ") + kColumns + " FROM sg_content WHERE id = $1" + lock, {id});
    auto row = r.first();
    if (!row) throw Error(SG_ERR_NOT_FOUND, "no content " + id);
    out = from_row(*row);
    check_owner(out, actor);
    mutate(out);
    write_row(s, out, false);
  });
  return out;
}

Content ContentStore::remove(const std::string& id, const std::optional<std::string>& actor) {
  Content out;
  db_.write([&](Session& s) {
    auto c = select(s, id);
    if (!c) throw Error(SG_ERR_NOT_FOUND, "no content " + id);
    check_owner(*c, actor);
    s.exec("DELETE FROM sg_content WHERE id = $1", {id});
    if (s.driver() == Driver::sqlite) s.exec("DELETE FROM sg_content_fts WHERE id = $1", {id});
    out = *c;
  });
  return out;
}

ListPage ContentStore::list(const ListQuery& q) {
  Params p;
  std::string where = " WHERE 1 = 1";
  auto bind = [&](sql::Value v) {
    p.push_back(std::move(v));
    return ph(p.size());
  };
  if (q.owner) where += " AND c.owner_key = " + bind(sql::lower(*q.owner));
  if (q.status) where += " AND c.status = " + bind(*q.status);
  if (q.visibility) where += " AND c.visibility = " + bind(*q.visibility);
  if (q.tag)
    where += " AND EXISTS (SELECT 1 FROM sg_content_tags t WHERE t.content_id = c.id AND t.tag = " +
             bind(*q.tag) + ")";
  if (!q.viewer_signed_in) where += " AND c.visibility <> 'signed_in'";
  if (q.cursor) {
    auto cursor = sql::decode_cursor(*q.cursor);
    if (!cursor) throw Error(SG_ERR_INVALID, "cursor: invalid");
    int64_t at = cursor->created_at;
    const std::string& cid = cursor->id;
    std::string a = bind(at), b = bind(cid);
    // Newest first; (created_at, id) is unique, so pages never skip or repeat a row.
    where += " AND (c.created_at < " + a + " OR (c.created_at = " + a + " AND c.id < " + b + "))";
  }
  std::string from = " FROM sg_content c";
  if (q.q) {
    if (db_.driver() == Driver::postgres) {
      where += " AND c.search @@ plainto_tsquery('simple', " + bind(*q.q) + ")";
    } else {
      auto expr = fts5_query(*q.q);
      if (!expr) throw Error(SG_ERR_INVALID, "q: must contain at least one word");
      where += " AND c.id IN (SELECT id FROM sg_content_fts WHERE sg_content_fts MATCH " +
               bind(*expr) + ")";
    }
  }
  std::string sql =
      "SELECT c.id AS id, c.owner AS owner, c.title AS title, c.description AS "
      "description, c.tags AS tags, c.visibility AS visibility, c.gate AS gate, "
      "c.status AS status, c.status_reason AS status_reason, c.source AS source, "
      "c.renditions AS renditions, c.poster AS poster, c.media AS media, "
      "c.created_at AS created_at, "
      "c.updated_at AS updated_at" +
      from + where + " ORDER BY c.created_at DESC, c.id DESC LIMIT " + bind(q.limit + 1);
  ListPage page;
  db_.read([&](Session& s) {
    auto r = s.exec(sql, p);
    for (size_t i = 0; i < r.size(); ++i) page.items.push_back(from_row(r.row(i)));
  });
  if (static_cast<int64_t>(page.items.size()) > q.limit) {
    page.items.pop_back();
    const auto& last = page.items.back();
    page.next_cursor = sql::encode_cursor({last.created_at, last.id});
  }
  return page;
}

}  // namespace sg::metadata
