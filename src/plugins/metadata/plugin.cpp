// metadata.so: provides `metadata` v1, requires `http` v1 (identity comes from the exchange).
#include <streamgate/plugin.hpp>

#include "metadata_plugin.hpp"
#include "sql/util.hpp"

namespace sg::metadata {

MetadataPlugin::MetadataPlugin(Host host, const json& config) : Plugin(host) {
  if (!config.is_object()) throw Error(SG_ERR_INVALID, "plugins.metadata: must be a mapping");
  for (auto it = config.begin(); it != config.end(); ++it)
    if (it.key() != "enabled")
      throw Error(SG_ERR_INVALID, "plugins.metadata." + it.key() + ": unknown key");
  fill_service_table(table_, this);
  host.register_service(SG_METADATA_SERVICE, SG_METADATA_MAJOR, SG_METADATA_MINOR, &table_);
}

void MetadataPlugin::start() {
  auto section = host().config("database");
  db_ = sql::Database::open(sql::Config::from_json(section ? *section : json::object()));
  store_ = std::make_unique<ContentStore>(*db_);
  store_->migrate();
  http_ = host().acquire<sg_http_service>(SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR);
  if (http_ == nullptr)
    throw Error(SG_ERR_NOT_FOUND, "metadata: the http service is not available");
  router_.bind(http_);
  add_routes();
  subscribe_events();
  host().info("metadata: started on " + db_->describe());
}

void MetadataPlugin::stop(std::chrono::milliseconds) {
  subs_.clear();  // unsubscribe: no handler runs after this
  router_.clear();
  if (http_ != nullptr) {
    host().release(SG_HTTP_SERVICE, SG_HTTP_MAJOR);
    http_ = nullptr;
  }
}

json MetadataPlugin::health() {
  if (!db_) return json{{"healthy", false}, {"reason", "not started"}};
  return json{{"healthy", db_->healthy()}, {"database", db_->describe()}};
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
  publish("content.updated", c);
  return c;
}

Content MetadataPlugin::remove(const std::string& id, const std::optional<std::string>& actor) {
  if (!sql::is_uuid(id)) throw Error(SG_ERR_INVALID, "id: must be a UUID");
  Content c = store().remove(sql::lower(id), actor);
  publish("content.deleted", c);
  return c;
}

}  // namespace sg::metadata

SG_PLUGIN(sg::metadata::MetadataPlugin, "metadata", "1.0.0",
          "content catalogue on SQLite or PostgreSQL (service metadata v1, /api/v1/content)",
          sg::provides({{SG_METADATA_SERVICE, SG_METADATA_MAJOR, SG_METADATA_MINOR}}),
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR, 0}}))
