// The metadata plugin's state and the operations its service, routes and events share.
#include "context.hpp"

#include "sql/util.hpp"

namespace sg::metadata {

void Context::open() {
  auto section = host_.config("database");
  db_ = sql::Database::open(sql::Config::from_json(section ? *section : json::object()));
  store_ = std::make_unique<ContentStore>(*db_);
  store_->migrate();
  if (config_.cache_ttl_ms > 0) {
    cache_service_ =
        ServiceRef<sg_cache_service>::optional(host_, SG_CACHE_SERVICE, SG_CACHE_MAJOR, 0);
    if (cache_service_)
      cache_ = std::make_unique<ContentCache>(host_, cache_service_.get(), config_.cache_ttl_ms);
  }
}

void Context::close() {
  // A GET's non-blocking cache lookup calls back into this plugin (and answers through the
  // http service): wait for the outstanding ones before releasing either service. Each is
  // bounded by the cache's command timeout.
  if (cache_ && !cache_->wait_idle(std::chrono::seconds(5)))
    host_.warn("metadata: cache lookups still outstanding after 5 s at stop");
  // A blocking task already running may still use cache_ (the object lives until destroy);
  // the table stays valid until the cache plugin is destroyed, after every stop(), and a
  // stopped backend answers UNAVAILABLE, which is a miss.
  cache_service_.reset();
}

json Context::health() const {
  if (!db_) return json{{"healthy", false}, {"reason", "not started"}};
  return json{{"healthy", db_->healthy()},
              {"database", db_->describe()},
              {"cache", cache_ ? cache_->health() : json{{"enabled", false}}}};
}

const sql::Database& Context::database() const {
  if (!db_) throw Error(SG_ERR_UNAVAILABLE, "the metadata plugin is not started");
  return *db_;
}

ContentStore& Context::store() {
  if (!store_) throw Error(SG_ERR_UNAVAILABLE, "the metadata plugin is not started");
  return *store_;
}

void Context::publish(const std::string& topic, const Content& c) {
  try {
    host_.publish(topic, json{{"content_id", c.id}, {"owner", c.owner}, {"status", c.status}});
  } catch (const std::exception& e) {
    host_.warn("metadata: cannot publish " + topic + ": " + e.what());
  }
}

Content Context::create(const std::string& owner, const json& fields, Writer writer) {
  Content c = new_content(owner, fields, writer);
  store().insert(c);
  bump_stamp(c.id);
  publish("content.created", c);
  return c;
}

Content Context::patch(const std::string& id, const json& p, Writer writer,
                       const std::optional<std::string>& actor) {
  if (!sql::is_uuid(id)) throw Error(SG_ERR_INVALID, "id: must be a UUID");
  if (!p.is_object()) throw Error(SG_ERR_INVALID, "body: must be a JSON object");
  Content c =
      store().update(sql::lower(id), actor, [&](Content& cur) { apply_patch(cur, p, writer); });
  bump_stamp(c.id);  // after the commit, before anyone is told
  invalidate(c.id);
  publish("content.updated", c);
  return c;
}

Content Context::remove(const std::string& id, const std::optional<std::string>& actor) {
  if (!sql::is_uuid(id)) throw Error(SG_ERR_INVALID, "id: must be a UUID");
  Content c = store().remove(sql::lower(id), actor);
  bump_stamp(c.id);
  invalidate(c.id);
  publish("content.deleted", c);
  return c;
}

uint64_t Context::change_stamp(std::string_view id) const noexcept {
  std::string lower(id);
  for (char& ch : lower)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return stamps_[std::hash<std::string_view>{}(lower) % stamps_.size()].load(
      std::memory_order_acquire);
}

void Context::bump_stamp(std::string_view id) noexcept {
  stamps_[std::hash<std::string_view>{}(id) % stamps_.size()].fetch_add(1,
                                                                        std::memory_order_acq_rel);
}

void Context::invalidate(const std::string& id) {
  if (!cache_) return;
  try {  // the write is committed: whatever happens here must not turn it into an error
    cache_->invalidate(id);
  } catch (const std::exception& e) {
    host_.warn(std::string("metadata: cache invalidation of ") + id + " failed: " + e.what());
  }
}

std::optional<std::string> Context::get_json(const std::string& id,
                                             const std::string& known_token) {
  ContentCache::Lookup hit;
  if (cache_) {
    hit = cache_->get(id, known_token);
    if (hit.body) return std::move(hit.body);
  }
  auto c = store().get(id);
  if (!c) return std::nullopt;  // absence is not cached: a create must show at once
  std::string body = pack_record(c->visibility, to_json(*c).dump());
  if (cache_) cache_->put(id, hit.token, body);
  return body;
}

}  // namespace sg::metadata
