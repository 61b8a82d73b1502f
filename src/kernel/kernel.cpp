#include "kernel.hpp"

#include <algorithm>
#include <future>
#include <set>
#include <thread>

#include "dependency_graph.hpp"
#include "host_api.hpp"
#include "log.hpp"
#include "version.hpp"

namespace sgk {

namespace {

// A C plugin may return any int; anything outside the enum is a bug we report as such.
sg_status normalize(int st) {
  return (st >= SG_OK && st <= SG_ERR_INTERNAL) ? static_cast<sg_status>(st) : SG_ERR_INTERNAL;
}

std::string status_name(sg_status s) {
  switch (s) {
    case SG_OK:
      return "ok";
    case SG_ERR_INVALID:
      return "invalid";
    case SG_ERR_NOT_FOUND:
      return "not_found";
    case SG_ERR_EXISTS:
      return "exists";
    case SG_ERR_UNAVAILABLE:
      return "unavailable";
    case SG_ERR_TIMEOUT:
      return "timeout";
    case SG_ERR_CANCELLED:
      return "cancelled";
    case SG_ERR_DENIED:
      return "denied";
    case SG_ERR_CONFLICT:
      return "conflict";
    case SG_ERR_LIMIT:
      return "limit";
    case SG_ERR_VERSION:
      return "version";
    case SG_ERR_INTERNAL:
      return "internal";
  }
  return "internal";
}

// Describes a failed plugin callback: status, and the plugin's message when it left one.
std::string describe_failure(int raw, const sg_error& err) {
  sg_status st = normalize(raw);
  std::string text = status_name(st);
  if (st != raw) text = "invalid status " + std::to_string(raw);
  std::string msg(err.message, strnlen(err.message, SG_ERROR_MESSAGE_MAX));
  return msg.empty() ? text : text + ": " + msg;
}

sg_error fresh_error() {
  sg_error e{};
  e.status = SG_OK;
  e.message[0] = '\0';
  return e;
}

// Runs one descriptor callback and returns its status. Plugins must not throw across the C
// ABI; one that does gets SG_ERR_INTERNAL with a message naming the callback, and the
// message is always terminated.
template <class Fn>
int call_plugin(const char* what, sg_error* err, Fn&& fn) {
  int raw = SG_ERR_INTERNAL;
  try {
    raw = fn();
  } catch (const std::exception& e) {
    fill_error(err, SG_ERR_INTERNAL, std::string("exception escaped ") + what + ": " + e.what());
  } catch (...) {
    fill_error(err, SG_ERR_INTERNAL, std::string("exception escaped ") + what);
  }
  err->message[SG_ERROR_MESSAGE_MAX - 1] = '\0';
  return raw;
}

}  // namespace

const char* state_name(PluginState s) {
  switch (s) {
    case PluginState::loaded:
      return "loaded";
    case PluginState::created:
      return "created";
    case PluginState::started:
      return "started";
    case PluginState::stopping:
      return "stopping";
    case PluginState::stopped:
      return "stopped";
    case PluginState::failed:
      return "failed";
  }
  return "failed";
}

Kernel::Kernel(Config config)
    : config_(std::move(config)),
      log_(logging::kernel()),
      started_at_(std::chrono::steady_clock::now()) {
  EventBus::Options bus_options;
  bus_options.metrics = &metrics_;
  bus_ = std::make_unique<EventBus>(bus_options);
  blocking_ =
      std::make_unique<BlockingPool>(config_.blocking_threads, config_.blocking_queue_limit);
  timers_ = std::make_unique<TimerService>();
  setup_kernel_metrics();
}

Kernel::~Kernel() {
  stop();
  timers_->shutdown();
  bus_->shutdown();
  blocking_->shutdown();
}

void Kernel::setup_kernel_metrics() {
  auto gauge = [&](const char* name, const char* help) -> sg_metric* {
    auto r = metrics_.get(SG_METRIC_GAUGE, name, help, MetricsRegistry::Labels{});
    return r ? r.value() : nullptr;
  };
  auto info = metrics_.get(SG_METRIC_GAUGE, "streamgate_build_info",
                           "StreamGate version and plugin ABI (value is always 1).",
                           MetricsRegistry::Labels{{"version", kVersion}, {"abi", kAbiText}});
  if (info) MetricsRegistry::set(info.value(), 1);
  sg_metric* uptime = gauge("streamgate_uptime_seconds", "Seconds since the kernel started.");
  sg_metric* threads = gauge("streamgate_blocking_pool_threads", "Threads of the blocking pool.");
  sg_metric* queued =
      gauge("streamgate_blocking_pool_queued", "Tasks waiting in the blocking pool.");
  sg_metric* running =
      gauge("streamgate_blocking_pool_running", "Tasks running on the blocking pool.");
  sg_metric* plugins = gauge("streamgate_plugins_started", "Plugins currently started.");
  metrics_.add_refresher([=, this] {
    auto up = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_);
    MetricsRegistry::set(uptime, up.count());
    MetricsRegistry::set(threads, static_cast<double>(blocking_->threads()));
    MetricsRegistry::set(queued, static_cast<double>(blocking_->queued()));
    MetricsRegistry::set(running, static_cast<double>(blocking_->running()));
    double n = 0;
    for (const auto& p : plugins_) n += p->state.load() == PluginState::started ? 1 : 0;
    MetricsRegistry::set(plugins, n);
  });
}

Status Kernel::add_loaded(PluginInfo info) {
  for (const auto& p : plugins_) {
    if (p->info.id == info.id) {
      return fail("duplicate plugin id '" + info.id + "': " + p->info.file.string() + " and " +
                  info.file.string());
    }
  }
  auto rec = std::make_unique<PluginRecord>();
  rec->info = std::move(info);
  rec->logger = logging::get(rec->info.id);
  rec->host.kernel = this;
  rec->host.plugin = rec.get();
  rec->api = make_host_api(&rec->host);
  log_->info("loaded plugin {} {} from {}", rec->info.id, rec->info.version,
             rec->info.file.string());
  plugins_.push_back(std::move(rec));
  return ok_status();
}

Status Kernel::load_descriptor_files(const std::vector<std::filesystem::path>& files) {
  for (const auto& f : files) {
    // A disabled plugin is skipped before dlopen when its file is named after its id, so
    // that disabling works even for a plugin that cannot load.
    std::string stem = f.stem().string();
    if (valid_plugin_id(stem) && !config_.plugin_enabled(stem)) {
      log_->info("skipping disabled plugin {} ({})", stem, f.string());
      continue;
    }
    auto info = load_plugin(f);
    if (!info) return fail(info.error());
    if (!config_.plugin_enabled(info.value().id)) {
      log_->info("skipping disabled plugin {} ({})", info.value().id, f.string());
      continue;
    }
    if (auto st = add_loaded(std::move(info).value()); !st) return st;
  }
  return ok_status();
}

Status Kernel::load_plugin_files(const std::vector<std::filesystem::path>& files) {
  if (auto st = load_descriptor_files(files); !st) return st;
  return resolve_dependencies();
}

Status Kernel::resolve_dependencies() {
  std::vector<PluginInfo> infos;
  for (const auto& p : plugins_) infos.push_back(p->info);
  auto order = sgk::start_order(infos);
  if (!order) return fail(order.error());
  order_ = std::move(order).value();
  return ok_status();
}

Status Kernel::load_plugins() {
  if (auto st = load_descriptors(); !st) return st;
  return resolve_dependencies();
}

Status Kernel::load_descriptors() {
  std::vector<std::filesystem::path> dirs;
  dirs.push_back(config_.plugin_dir.empty() ? default_plugin_dir() : config_.plugin_dir);
  for (const auto& d : config_.extra_plugin_dirs) dirs.push_back(d);
  std::vector<std::filesystem::path> files;
  for (size_t i = 0; i < dirs.size(); ++i) {
    auto listed = list_plugin_files(dirs[i]);
    if (!listed) {
      std::string key = i == 0
                            ? (config_.plugin_dir.empty() ? "default plugin dir (server.plugin_dir "
                                                            "is empty)"
                                                          : "server.plugin_dir")
                            : "server.extra_plugin_dirs." + std::to_string(i - 1);
      return fail(listed.error() + " (" + key + ", config " + config_.source.file + ")");
    }
    log_->debug("plugin directory {}: {} plugin file(s)", dirs[i].string(), listed.value().size());
    files.insert(files.end(), listed.value().begin(), listed.value().end());
  }
  return load_descriptor_files(files);
}

Status Kernel::create_one(PluginRecord& p) {
  const auto* d = p.info.descriptor;
  p.config_json = config_.plugin_section(p.info.id).dump();
  sg_error err = fresh_error();
  void* instance = nullptr;
  int raw = call_plugin("create()", &err, [&] {
    return d->create(&p.api, p.config_json.data(), p.config_json.size(), &instance, &err);
  });
  if (raw != SG_OK) {
    p.state = PluginState::failed;
    return fail("plugin '" + p.info.id + "' failed to create: " + describe_failure(raw, err));
  }
  p.instance = instance;
  p.created = true;
  p.state = PluginState::created;
  // A declared service must exist once create() returned: dependants acquire it in start().
  for (const auto& s : p.info.provides) {
    bool found = false;
    for (const auto& e : services_.list()) {
      found |= (e.provider == p.info.id && e.name == s.name && e.major == s.major);
    }
    if (!found) {
      return fail("plugin '" + p.info.id + "' declares service " + s.name + "@" +
                  std::to_string(s.major) + "." + std::to_string(s.minor) +
                  " but did not register it in create()");
    }
  }
  log_->debug("created plugin {}", p.info.id);
  return ok_status();
}

Status Kernel::start_one(PluginRecord& p) {
  sg_error err = fresh_error();
  int raw =
      call_plugin("start()", &err, [&] { return p.info.descriptor->start(p.instance, &err); });
  if (raw != SG_OK) {
    p.state = PluginState::failed;
    return fail("plugin '" + p.info.id + "' failed to start: " + describe_failure(raw, err));
  }
  p.state = PluginState::started;
  log_->info("started plugin {} {}", p.info.id, p.info.version);
  return ok_status();
}

Status Kernel::start() {
  if (stopped_) return fail("kernel already stopped");
  if (auto ec = std::error_code();
      !std::filesystem::create_directories(config_.data_dir, ec) && ec) {
    return fail("cannot create server.data_dir " + config_.data_dir.string() + ": " + ec.message() +
                " (config " + config_.source.file + ")");
  }
  for (size_t idx : order_) {
    auto& p = *plugins_[idx];
    if (auto st = create_one(p); !st) {
      log_->error("{}", st.error());
      teardown({});
      return st;
    }
  }
  for (size_t idx : order_) {
    auto& p = *plugins_[idx];
    if (auto st = start_one(p); !st) {
      log_->error("{}", st.error());
      teardown(started_);
      return st;
    }
    started_.push_back(idx);
  }
  log_->info("streamgate {} started with {} plugin(s)", kVersion, started_.size());
  // The gateway listens from its own start() but accepts only after this event, so the first
  // request never races a dependant plugin that has not registered its routes yet.
  if (auto st = bus_->publish(kStartedTopic, nlohmann::json{{"plugins", started_.size()}}.dump());
      !st) {
    log_->warn("cannot publish {}: {}", kStartedTopic, st.error());
  }
  return ok_status();
}

void Kernel::end_plugin_resources(PluginRecord& p) {
  size_t subs = bus_->unsubscribe_owner(p.info.id);
  size_t timers = timers_->cancel_owner(p.info.id);
  if (subs + timers > 0) {
    log_->debug("plugin {}: ended {} subscription(s) and {} timer(s)", p.info.id, subs, timers);
  }
  for (const auto& held : services_.release_all(p.info.id)) {
    log_->warn("plugin {} did not release service {} before stopping; released it", p.info.id,
               held);
  }
}

bool Kernel::stop_one(PluginRecord& p, std::chrono::steady_clock::time_point deadline) {
  p.state = PluginState::stopping;
  blocking_->refuse(p.info.id);
  auto now = std::chrono::steady_clock::now();
  auto budget = std::max(std::chrono::milliseconds(0),
                         std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));

  // stop() runs on its own thread so that a plugin overrunning the deadline cannot hold
  // the whole shutdown: we log it as late and carry on (it is then never destroyed).
  struct Outcome {
    int raw = SG_ERR_INTERNAL;
    sg_error err{};
  };
  auto outcome = std::make_shared<Outcome>();
  std::promise<void> done;
  auto finished = done.get_future();
  const auto* d = p.info.descriptor;
  void* instance = p.instance;
  uint64_t budget_ms = static_cast<uint64_t>(budget.count());
  std::thread t([d, instance, budget_ms, outcome, done = std::move(done)]() mutable {
    outcome->err = fresh_error();
    outcome->raw = call_plugin("stop()", &outcome->err,
                               [&] { return d->stop(instance, budget_ms, &outcome->err); });
    done.set_value();
  });
  bool ok = true;
  // Give a late plugin at least a moment even when the global budget is spent.
  auto wait = std::max(budget, std::chrono::milliseconds(50));
  if (finished.wait_for(wait) != std::future_status::ready) {
    t.detach();
    p.destroy_allowed = false;
    p.state = PluginState::failed;
    log_->error("plugin {} did not stop within {} ms; continuing shutdown without it", p.info.id,
                budget.count());
    return false;
  }
  t.join();
  if (outcome->raw != SG_OK) {
    log_->error("plugin {} failed to stop cleanly: {}", p.info.id,
                describe_failure(outcome->raw, outcome->err));
    ok = false;
  }
  end_plugin_resources(p);
  auto left =
      std::max(std::chrono::milliseconds(50), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  deadline - std::chrono::steady_clock::now()));
  if (!blocking_->wait_idle(p.info.id, left)) {
    log_->error(
        "plugin {} still has blocking tasks running after its stop; it will not be "
        "destroyed",
        p.info.id);
    p.destroy_allowed = false;
    ok = false;
  }
  p.state = ok ? PluginState::stopped : PluginState::failed;
  log_->info("stopped plugin {}", p.info.id);
  return ok;
}

void Kernel::destroy_one(PluginRecord& p) {
  if (!p.created || !p.destroy_allowed) return;
  // Subscriptions and timers of a plugin that never started (or failed) end here too.
  end_plugin_resources(p);
  blocking_->refuse(p.info.id);
  blocking_->wait_idle(p.info.id, std::chrono::milliseconds(config_.shutdown_timeout_ms));
  for (const auto& holder : services_.unregister_provider(p.info.id)) {
    log_->warn("plugin {} still held a service of {} at its destroy", holder, p.info.id);
  }
  sg_error err = fresh_error();
  if (call_plugin("destroy()", &err, [&] {
        p.info.descriptor->destroy(p.instance);
        return SG_OK;
      }) != SG_OK) {
    log_->error("plugin {}: {}", p.info.id, err.message);
  }
  p.created = false;
  p.instance = nullptr;
  if (p.state != PluginState::failed) p.state = PluginState::stopped;
}

bool Kernel::teardown(const std::vector<size_t>& started) {
  bool ok = true;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.shutdown_timeout_ms);
  for (auto it = started.rbegin(); it != started.rend(); ++it)
    ok &= stop_one(*plugins_[*it], deadline);
  // Destroy every created plugin, dependants first (reverse start order).
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) destroy_one(*plugins_[*it]);
  started_.clear();
  return ok;
}

bool Kernel::stop() {
  if (stopped_) return true;
  stopped_ = true;
  if (!started_.empty()) log_->info("stopping {} plugin(s)", started_.size());
  const std::vector<size_t> started = started_;
  return teardown(started);
}

void Kernel::request_shutdown(const std::string& reason) {
  {
    std::lock_guard lock(shutdown_mu_);
    if (shutdown_requested_) return;
    shutdown_requested_ = true;
  }
  log_->info("shutdown requested ({})", reason);
  shutdown_cv_.notify_all();
}

void Kernel::wait_for_shutdown() {
  std::unique_lock lock(shutdown_mu_);
  shutdown_cv_.wait(lock, [&] { return shutdown_requested_.load(); });
}

bool Kernel::has_late_plugins() const {
  return std::any_of(plugins_.begin(), plugins_.end(),
                     [](const auto& p) { return p->created && !p->destroy_allowed; });
}

PluginRecord* Kernel::plugin(const std::string& id) const {
  for (const auto& p : plugins_) {
    if (p->info.id == id) return p.get();
  }
  return nullptr;
}

nlohmann::json Kernel::describe_plugins(const PluginRecord* caller) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : plugins_) {
    nlohmann::json provides = nlohmann::json::array();
    for (const auto& s : p->info.provides) {
      provides.push_back({{"name", s.name}, {"major", s.major}, {"minor", s.minor}});
    }
    nlohmann::json requires_ = nlohmann::json::array();
    for (const auto& r : p->info.requires_) {
      requires_.push_back({{"name", r.name},
                           {"major", r.major},
                           {"min_minor", r.min_minor},
                           {"optional", r.optional}});
    }
    PluginState state = p->state.load();
    bool healthy = state == PluginState::started;
    nlohmann::json health = nlohmann::json::object();
    if (state == PluginState::started && p.get() != caller &&
        p->info.descriptor->health != nullptr) {
      sg_owned_str s{};
      sg_error err = fresh_error();
      int raw = call_plugin("health()", &err,
                            [&] { return p->info.descriptor->health(p->instance, &s, &err); });
      std::string text;
      if (raw == SG_OK && s.data != nullptr) text.assign(s.data, s.size);
      if (s.data != nullptr && s.release != nullptr) s.release(s.data);
      if (raw != SG_OK) {
        healthy = false;
        health = {{"error", describe_failure(raw, err)}};
      } else {
        auto parsed = nlohmann::json::parse(text, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_object()) {
          healthy = false;
          health = {{"error", "health() did not return a JSON object"}};
        } else {
          health = std::move(parsed);
          healthy = health.contains("healthy") && health["healthy"].is_boolean() &&
                    health["healthy"].get<bool>();
        }
      }
    }
    out.push_back({{"id", p->info.id},
                   {"version", p->info.version},
                   {"description", p->info.description},
                   {"file", p->info.file.string()},
                   {"state", state_name(state)},
                   {"provides", provides},
                   {"requires", requires_},
                   {"healthy", healthy},
                   {"health", health}});
  }
  return out;
}

nlohmann::json Kernel::stats() const {
  nlohmann::json topics = nlohmann::json::object();
  for (const auto& [name, c] : bus_->counters()) {
    topics[name] = {{"published", c.published},
                    {"delivered", c.delivered},
                    {"failed", c.failed},
                    {"dropped", c.dropped}};
  }
  auto up = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_);
  return {{"uptime_seconds", up.count()},
          {"version", kVersion},
          {"bus", {{"topics", topics}, {"subscriptions", bus_->subscription_count()}}},
          {"blocking_pool",
           {{"threads", blocking_->threads()},
            {"queued", blocking_->queued()},
            {"running", blocking_->running()}}},
          {"timers", {{"active", timers_->active()}}}};
}

}  // namespace sgk
