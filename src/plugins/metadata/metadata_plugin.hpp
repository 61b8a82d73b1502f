// The metadata plugin: content catalogue in SQL, service `metadata` v1, /api/v1/content
// REST, and status changes driven by upload/transcode events.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <streamgate/services/metadata.h>
#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

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
  ContentStore& store();

 private:
  void add_routes();
  void subscribe_events();
  void on_event(std::string_view topic, const json& payload);
  void publish(const std::string& topic, const Content& c);

  sg_metadata_service table_{};
  std::unique_ptr<sql::Database> db_;
  std::unique_ptr<ContentStore> store_;
  const sg_http_service* http_ = nullptr;
  http::Router router_;
  std::vector<Subscription> subs_;
};

void fill_service_table(sg_metadata_service& t, MetadataPlugin* plugin);

}  // namespace sg::metadata
