// Content records in SQL (SQLite or PostgreSQL): CRUD, owner checks inside the write
// transaction, cursor-paginated listing with filters and full-text search (PostgreSQL
// tsvector + GIN, SQLite FTS5).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "content_model.hpp"
#include "sql/database.hpp"

namespace sg::metadata {

struct ListQuery {
  std::optional<std::string> owner;
  std::optional<std::string> status;
  std::optional<std::string> visibility;
  std::optional<std::string> tag;
  std::optional<std::string> q;  // full-text search over title + description
  // metadata_visible(): without a signed-in viewer, signed_in records are left out.
  bool viewer_signed_in = false;
  int64_t limit = 20;
  std::optional<std::string> cursor;
};

struct ListPage {
  std::vector<Content> items;
  std::optional<std::string> next_cursor;
};

class ContentStore {
 public:
  explicit ContentStore(sql::Database& db) : db_(db) {}

  void migrate();

  // Inserts; SG_ERR_EXISTS when the id is taken.
  void insert(const Content& c);
  std::optional<Content> get(const std::string& id);
  // Reads, applies `mutate` and writes back in one transaction. When `actor` is set only
  // that owner may change it (SG_ERR_DENIED otherwise). SG_ERR_NOT_FOUND when absent.
  Content update(const std::string& id, const std::optional<std::string>& actor,
                 const std::function<void(Content&)>& mutate);
  // Deletes and returns the removed record (same owner rule as update).
  Content remove(const std::string& id, const std::optional<std::string>& actor);
  ListPage list(const ListQuery& q);

 private:
  void write_row(sql::Session& s, const Content& c, bool insert);
  sql::Database& db_;
};

// Turns free text into a safe FTS5 query: each word quoted, all required. nullopt when the
// text holds no word at all.
std::optional<std::string> fts5_query(const std::string& text);

}  // namespace sg::metadata
