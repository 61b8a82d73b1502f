// The metadata plugin's shared state, handed by plugin.cpp to service.cpp, routes.cpp and
// events.cpp: config, database, content store, the optional read-through cache, and the
// operations all three share (create, patch, remove, get_json) with their events.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <streamgate/services/cache.h>
#include <streamgate/plugin.hpp>

#include "config.hpp"
#include "content_cache.hpp"
#include "content_store.hpp"
#include "sql/database.hpp"

namespace sg::metadata {

class Context {
 public:
  Context(Host host, MetadataConfig config) : host_(host), config_(config) {}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // start(): opens and migrates the database, then acquires the cache service when
  // cache_ttl_ms > 0 and one is loaded. stop(): waits for outstanding cache lookups, then
  // releases the cache service.
  void open();
  void close();
  json health() const;

  const Host& host() const noexcept { return host_; }
  const MetadataConfig& config() const noexcept { return config_; }
  const sql::Database& database() const;
  // Set while started with a cache; null otherwise.
  ContentCache* cache() noexcept { return cache_.get(); }

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
  // metadata 1.2 change_stamp: bumped after each commit of a create/patch/remove of `id`,
  // before it is answered or published.
  uint64_t change_stamp(std::string_view id) const noexcept;

 private:
  void bump_stamp(std::string_view id) noexcept;
  void publish(const std::string& topic, const Content& c);
  void invalidate(const std::string& id);

  Host host_;
  MetadataConfig config_;
  std::unique_ptr<sql::Database> db_;
  std::unique_ptr<ContentStore> store_;
  ServiceRef<sg_cache_service> cache_service_;
  std::unique_ptr<ContentCache> cache_;  // set while started with a cache
  // Buckets of change stamps, indexed by a hash of the (lower-case) id.
  std::array<std::atomic<uint64_t>, 4096> stamps_{};
};

}  // namespace sg::metadata
