// The worker plugin: owns the database handle, the job store, the runner threads, the
// `jobs` v1 service table and the /api/v1/jobs routes.
#pragma once

#include <memory>

#include <streamgate/services/jobs.h>
#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

#include "job_store.hpp"
#include "runner.hpp"
#include "sql/database.hpp"

namespace sg::worker {

struct WorkerConfig {
  RunnerOptions runner;
  int64_t default_max_attempts = 5;
  // Parses plugins.worker; unknown keys and bad values are errors naming the key.
  static WorkerConfig from_json(const json& section);
};

class WorkerPlugin final : public Plugin {
 public:
  WorkerPlugin(Host host, const json& config);
  ~WorkerPlugin() override;
  void start() override;
  void stop(std::chrono::milliseconds deadline) override;
  json health() override;

  // Service implementation (called through the C table in service.cpp).
  std::string enqueue(const std::string& type, const std::string& payload,
                      const sg_job_options* options);
  JobStore& store();
  Runner& runner();
  const WorkerConfig& config() const { return config_; }

 private:
  void add_routes();

  WorkerConfig config_;
  sg_jobs_service table_{};
  std::unique_ptr<sql::Database> db_;
  std::unique_ptr<JobStore> store_;
  std::unique_ptr<Runner> runner_;
  ServiceRef<sg_http_service> http_;
  http::Router router_;
};

// Fills the C service table whose self is `plugin`.
void fill_service_table(sg_jobs_service& t, WorkerPlugin* plugin);

}  // namespace sg::worker
