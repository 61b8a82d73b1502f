// The kernel: owns configuration, bus, executors, services and metrics, and drives the
// plugin lifecycle (load -> create -> start in dependency order -> stop in reverse ->
// destroy). Usable in-process (tests) as well as from main.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/logger.h>
#include <streamgate/plugin.h>
#include <nlohmann/json.hpp>

#include "blocking_pool.hpp"
#include "config.hpp"
#include "event_bus.hpp"
#include "metrics_registry.hpp"
#include "plugin_loader.hpp"
#include "result.hpp"
#include "service_registry.hpp"
#include "timers.hpp"

namespace sgk {
class Kernel;

// Published once every plugin has started (payload {"plugins": n}).
inline constexpr std::string_view kStartedTopic = "kernel.started";
struct PluginRecord;
}  // namespace sgk

// The opaque per-plugin context of plugin.h (global namespace, as the C header names it).
struct sg_host {
  sgk::Kernel* kernel = nullptr;
  sgk::PluginRecord* plugin = nullptr;
};

namespace sgk {

enum class PluginState { loaded, created, started, stopping, stopped, failed };
const char* state_name(PluginState s);

// One loaded plugin. Lives as long as the Kernel (host pointers into it stay valid even for
// a late plugin still running after its stop deadline).
struct PluginRecord {
  PluginInfo info;
  std::atomic<PluginState> state{PluginState::loaded};
  void* instance = nullptr;
  bool created = false;
  bool destroy_allowed = true;  // false when stop() overran its deadline (still running)
  std::shared_ptr<spdlog::logger> logger;
  sg_host host{};
  sg_host_api api{};
  std::string config_json;
};

class Kernel {
 public:
  explicit Kernel(Config config);
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  // Loads the descriptors of every *.so in server.plugin_dir (or the default) and
  // server.extra_plugin_dirs, skipping disabled ids, then computes the start order.
  Status load_plugins();
  // The two halves of load_plugins(): descriptors only (dlopen + ABI checks), then the
  // dependency resolution (--list-plugins shows descriptors even when the second fails).
  Status load_descriptors();
  Status resolve_dependencies();
  // Same for an explicit list of files (tests); resolves dependencies too.
  Status load_plugin_files(const std::vector<std::filesystem::path>& files);
  Status load_descriptor_files(const std::vector<std::filesystem::path>& files);
  // Creates and starts every plugin. On failure, plugins already started are stopped in
  // reverse order and all created ones destroyed; the error names the plugin.
  Status start();
  // Stops started plugins in reverse order within server.shutdown_timeout_ms, then
  // destroys them. Idempotent. False when a plugin failed to stop or overran its deadline.
  bool stop();

  // Thread-safe; returns at once. wait_for_shutdown() then wakes.
  void request_shutdown(const std::string& reason);
  void wait_for_shutdown();
  bool shutdown_requested() const noexcept { return shutdown_requested_; }
  // True when a plugin overran its stop deadline and may still be running: the process must
  // then exit without running destructors under its feet (main uses _exit).
  bool has_late_plugins() const;

  // Introspection (host API and tests).
  nlohmann::json describe_plugins(const PluginRecord* caller) const;
  nlohmann::json stats() const;
  const std::vector<std::unique_ptr<PluginRecord>>& plugins() const noexcept { return plugins_; }
  PluginRecord* plugin(const std::string& id) const;
  const std::vector<size_t>& start_order() const noexcept { return order_; }

  const Config& config() const noexcept { return config_; }
  EventBus& bus() noexcept { return *bus_; }
  MetricsRegistry& metrics() noexcept { return metrics_; }
  ServiceRegistry& services() noexcept { return services_; }
  BlockingPool& blocking() noexcept { return *blocking_; }
  TimerService& timers() noexcept { return *timers_; }

 private:
  Status add_loaded(PluginInfo info);
  Status create_one(PluginRecord& p);
  Status start_one(PluginRecord& p);
  bool stop_one(PluginRecord& p, std::chrono::steady_clock::time_point deadline);
  void end_plugin_resources(PluginRecord& p);
  void destroy_one(PluginRecord& p);
  // Stops `started` in reverse order, then destroys every created plugin. False when a
  // plugin failed to stop cleanly or in time.
  bool teardown(const std::vector<size_t>& started);
  void setup_kernel_metrics();

  Config config_;
  std::shared_ptr<spdlog::logger> log_;
  std::chrono::steady_clock::time_point started_at_;
  MetricsRegistry metrics_;
  ServiceRegistry services_;
  std::unique_ptr<EventBus> bus_;
  std::unique_ptr<BlockingPool> blocking_;
  std::unique_ptr<TimerService> timers_;
  std::vector<std::unique_ptr<PluginRecord>> plugins_;
  std::vector<size_t> order_;
  std::vector<size_t> started_;  // indices, in start order
  bool stopped_ = false;

  std::mutex shutdown_mu_;
  std::condition_variable shutdown_cv_;
  std::atomic<bool> shutdown_requested_{false};
};

}  // namespace sgk
