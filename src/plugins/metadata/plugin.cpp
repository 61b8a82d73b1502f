// metadata.so: provides `metadata` v1, requires `http` v1 (identity comes from the exchange)
// and optionally `cache` v1 (read-through cache of GET /api/v1/content/{id}).
#include <streamgate/plugin.hpp>

#include "metadata_plugin.hpp"
#include "sql/util.hpp"

namespace sg::metadata {

MetadataPlugin::MetadataPlugin(Host host, const json& config) : Plugin(host) {
  if (!config.is_object()) throw Error(SG_ERR_INVALID, "plugins.metadata: must be a mapping");
  for (auto it = config.begin(); it != config.end(); ++it)
    if (it.key() != "enabled" && it.key() != "cache_ttl_ms")
      throw Error(SG_ERR_INVALID, "plugins.metadata." + it.key() + ": unknown key");
  if (auto it = config.find("cache_ttl_ms"); it != config.end()) {
    constexpr uint64_t kMaxTtl = 24ull * 3600 * 1000;
    if (!it->is_number_unsigned() || it->get<uint64_t>() > kMaxTtl)
      throw Error(SG_ERR_INVALID,
                  "plugins.metadata.cache_ttl_ms: must be an integer from 0 (no cache) to " +
                      std::to_string(kMaxTtl));
    cache_ttl_ms_ = it->get<uint64_t>();
  }
  fill_service_table(table_, this);
  host.register_service(SG_METADATA_SERVICE, SG_METADATA_MAJOR, SG_METADATA_MINOR, &table_);
}

void MetadataPlugin::start() {
  auto section = host().config("database");
  db_ = sql::Database::open(sql::Config::from_json(section ? *section : json::object()));
  store_ = std::make_unique<ContentStore>(*db_);
  store_->migrate();
  http_ =
      ServiceRef<sg_http_service>::require(host(), SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR);
  if (cache_ttl_ms_ > 0) {
    cache_service_ =
        ServiceRef<sg_cache_service>::optional(host(), SG_CACHE_SERVICE, SG_CACHE_MAJOR, 0);
    if (cache_service_)
      cache_ = std::make_unique<ContentCache>(host(), cache_service_.get(), cache_ttl_ms_);
  }
  router_.bind(http_.get());
  add_routes();
  subscribe_events();
  host().info("metadata: started on " + db_->describe() +
              (cache_ ? ", cache ttl " + std::to_string(cache_ttl_ms_) + " ms" : ", no cache"));
}

void MetadataPlugin::stop(std::chrono::milliseconds) {
  subs_.clear();  // unsubscribe: no handler runs after this
  router_.clear();
  // A GET's non-blocking cache lookup calls back into this plugin (and answers through the
  // http service): wait for the outstanding ones before releasing either service. Each is
  // bounded by the cache's command timeout.
  if (cache_ && !cache_->wait_idle(std::chrono::seconds(5)))
    host().warn("metadata: cache lookups still outstanding after 5 s at stop");
  // A blocking task already running may still use cache_ (the object lives until destroy);
  // the table stays valid until the cache plugin is destroyed, after every stop(), and a
  // stopped backend answers UNAVAILABLE, which is a miss.
  cache_service_.reset();
  http_.reset();
}

json MetadataPlugin::health() {
  if (!db_) return json{{"healthy", false}, {"reason", "not started"}};
  return json{{"healthy", db_->healthy()},
              {"database", db_->describe()},
              {"cache", cache_ ? cache_->health() : json{{"enabled", false}}}};
}

ContentStore& MetadataPlugin::store() {
  if (!store_) throw Error(SG_ERR_UNAVAILABLE, "the metadata plugin is not started");
  return *store_;
}

void MetadataPlugin::publish(const std::string& topic, const Content& c) {
  try {
    host().publish(topic, json{{"content_id", c.id}, {"owner", c.owner}, {"status", c.status}});
  } catch (const std::exception& e) {
    host().warn("metadata: cannot publish " + topic + ": " + e.what());
  }
}

Content MetadataPlugin::create(const std::string& owner, const json& fields, Writer writer) {
  Content c = new_content(owner, fields, writer);
  store().insert(c);
  publish("content.created", c);
  return c;
}

Content MetadataPlugin::patch(const std::string& id, const json& p, Writer writer,
                              const std::optional<std::string>& actor) {
  if (!sql::is_uuid(id)) throw Error(SG_ERR_INVALID, "id: must be a UUID");
  if (!p.is_object()) throw Error(SG_ERR_INVALID, "body: must be a JSON object");
  Content c =
      store().update(sql::lower(id), actor, [&](Content& cur) { apply_patch(cur, p, writer); });
  invalidate(c.id);  // after the commit, before anyone is told
  publish("content.updated", c);
  return c;
}

Content MetadataPlugin::remove(const std::string& id, const std::optional<std::string>& actor) {
  if (!sql::is_uuid(id)) throw Error(SG_ERR_INVALID, "id: must be a UUID");
  Content c = store().remove(sql::lower(id), actor);
  invalidate(c.id);
  publish("content.deleted", c);
  return c;
}

void MetadataPlugin::invalidate(const std::string& id) {
  if (!cache_) return;
  try {  // the write is committed: whatever happens here must not turn it into an error
    cache_->invalidate(id);
  } catch (const std::exception& e) {
    host().warn(std::string("metadata: cache invalidation of ") + id + " failed: " + e.what());
  }
}

std::optional<std::string> MetadataPlugin::get_json(const std::string& id,
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

SG_PLUGIN(sg::metadata::MetadataPlugin, "metadata", "1.0.0",
          "content catalogue on SQLite or PostgreSQL (service metadata v1, /api/v1/content)",
          sg::provides({{SG_METADATA_SERVICE, SG_METADATA_MAJOR, SG_METADATA_MINOR}}),
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR, 0},
                                 {SG_CACHE_SERVICE, SG_CACHE_MAJOR, 0, 1}}))
