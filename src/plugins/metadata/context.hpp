// The metadata plugin: content catalogue in SQL, service `metadata` v1, /api/v1/content
// REST, and status changes driven by upload/transcode events.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <streamgate/services/cache.h>
#include <streamgate/services/metadata.h>
#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

#include "content_cache.hpp"
#include "content_store.hpp"
#include "sql/database.hpp"

namespace sg::metadata {

class MetadataPlugin final : public Plugin {
 public:
  MetadataPlugin(Host host, const json& config);
  void start() override;
  void stop(std::chrono::milliseconds deadline) override;
  json health() override;

  // Shared by the service table, REST and event handlers. `actor` = the REST caller whose
  // ownership is enforced (nullopt for trusted plugin calls).
  Content create(const std::string& owner, const json& fields, Writer writer);
  Content patch(const std::string& id, const json& patch, Writer writer,
                const std::optional<std::string>& actor);
  Content remove(const std::string& id, const std::optional<std::string>& actor);
  // The record as GET answers it, packed with its visibility (pack_record), through the
  // cache when there is one; nullopt when absent. Blocking: call on the blocking pool.
  // known_token: see ContentCache::get.
  std::optional<std::string> get_json(const std::string& id, const std::string& known_token = {});
  ContentStore& store();

 private:
  void add_routes();
  // GET /api/v1/content/{id} through get_json on the blocking pool (answers 404/503 itself).
  void get_from_pool(Host h, const http::Exchange& ex, const std::string& id,
                     std::string known_token = {});
  void subscribe_events();
  void on_event(std::string_view topic, const json& payload);
  void publish(const std::string& topic, const Content& c);
  void invalidate(const std::string& id);

  sg_metadata_service table_{};
  std::unique_ptr<sql::Database> db_;
  std::unique_ptr<ContentStore> store_;
  ServiceRef<sg_http_service> http_;
  uint64_t cache_ttl_ms_ = 30000;  // plugins.metadata.cache_ttl_ms; 0 = no cache
  ServiceRef<sg_cache_service> cache_service_;
  std::unique_ptr<ContentCache> cache_;  // set while started with a cache
  http::Router router_;
  std::vector<Subscription> subs_;
};

void fill_service_table(sg_metadata_service& t, MetadataPlugin* plugin);

}  // namespace sg::metadata
