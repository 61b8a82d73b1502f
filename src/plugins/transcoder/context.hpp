// The transcoder plugin's shared state, handed to the job handler: config, where media
// lives, the metadata client, metrics, the jobs-at-once slots and the contents deleted
// while their transcode runs.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>

#include <streamgate/plugin.hpp>
#include <streamgate/services/metadata.hpp>

#include "config.hpp"
#include "output_folder.hpp"

namespace sg::transcoder {

// Counting semaphore with a cancellable wait (std::counting_semaphore cannot be woken).
class JobSlots {
 public:
  explicit JobSlots(int count) : free_(count) {}
  // Waits for a slot, polling `stop` every 200 ms; false when `stop` said so.
  template <typename Stop>
  bool acquire(Stop stop) {
    std::unique_lock lock(mu_);
    while (free_ == 0) {
      if (stop()) return false;
      cv_.wait_for(lock, std::chrono::milliseconds(200));
    }
    --free_;
    return true;
  }
  void release() {
    std::lock_guard lock(mu_);
    ++free_;
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int free_;
};

struct Metrics {
  Metric jobs_started;
  Metric jobs_succeeded;
  Metric media_seconds;  // seconds of output media produced
  Metric wall_seconds;   // wall seconds spent producing them
  Metric running;
  Host host;
  // transcoder failures by reason ("invalid_input", "limit", "internal", "io").
  Metric failures(const char* reason) const {
    return host.counter("streamgate_transcode_failures_total", "Transcode jobs failed, by reason",
                        std::string("reason=\"") + reason + "\"");
  }
};

struct Context {
  Host host;
  TranscoderConfig config;
  std::filesystem::path data_dir;
  OutputFolder output{std::filesystem::path()};
  metadata::Client metadata;  // empty: no catalogue (the outcome is only published as events)
  Metrics metrics;
  std::unique_ptr<JobSlots> slots;

  // Contents deleted while a transcode may run for them: the handler stops at once.
  std::mutex deleted_mu;
  std::set<std::string> deleted;
  bool was_deleted(const std::string& id) {
    std::lock_guard lock(deleted_mu);
    return deleted.contains(id);
  }
};

}  // namespace sg::transcoder
