// The worker plugin's shared state, handed by plugin.cpp to service.cpp, routes.cpp and
// events.cpp: the config, the database handle, the job store, the job runner (the runner
// threads) and webhooks, plus enqueue, the one operation the service and webhooks go through.
#pragma once

#include <memory>
#include <string>

#include <streamgate/services/jobs.h>
#include <streamgate/plugin.hpp>

#include "config.hpp"
#include "job_store.hpp"
#include "runner.hpp"
#include "sql/database.hpp"
#include "webhooks.hpp"

namespace sg::worker {

class Context {
 public:
  Context(Host host, WorkerConfig config) : host_(host), config_(std::move(config)) {}
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // start(): opens the database, migrates it, starts the runner threads (publishing job
  // events through the host) and webhooks when enabled. stop(): stops webhooks (waiting for
  // running deliveries), then joins the runner threads.
  void open();
  void close();
  json health() const;

  const Host& host() const noexcept { return host_; }
  const WorkerConfig& config() const noexcept { return config_; }
  const sql::Database& database() const;
  // Throw sg::Error(SG_ERR_UNAVAILABLE) before open().
  JobStore& store();
  Runner& runner();
  // nullptr when plugins.worker.webhooks.enabled is false or before open().
  Webhooks* webhooks() noexcept { return webhooks_.get(); }

  // The service's enqueue: validates type, payload and the caller's options (members read
  // only when its struct is big enough), stores the job and wakes the runner.
  std::string enqueue(const std::string& type, const std::string& payload,
                      const sg_job_options* options);

 private:
  Host host_;
  WorkerConfig config_;
  std::unique_ptr<sql::Database> db_;
  std::unique_ptr<JobStore> store_;
  std::unique_ptr<Runner> runner_;
  std::unique_ptr<Webhooks> webhooks_;
};

}  // namespace sg::worker
