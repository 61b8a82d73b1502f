#include "scrape.hpp"

#include <optional>
#include <unordered_set>

#include "prometheus.hpp"
#include "readiness.hpp"

namespace sg::monitor {
namespace {

using json = nlohmann::json;

class FamilyEmitter {
 public:
  FamilyEmitter(const std::unordered_set<std::string>& existing, PromWriter& w)
      : existing_(existing), w_(w) {}

  // Emits a one-sample family unless the host already renders it or the value is unknown.
  void single(std::string_view name, std::string_view type, std::string_view help,
              std::optional<double> value) {
    if (!value || existing_.contains(std::string(name))) return;
    w_.family(name, type, help);
    w_.sample(name, {}, *value);
  }
  bool wanted(std::string_view name) const { return !existing_.contains(std::string(name)); }
  PromWriter& writer() { return w_; }

 private:
  const std::unordered_set<std::string>& existing_;
  PromWriter& w_;
};

std::optional<double> number_at(const json* obj, std::initializer_list<const char*> path) {
  if (obj == nullptr) return std::nullopt;
  const json* cur = obj;
  for (const char* key : path) {
    if (!cur->is_object()) return std::nullopt;
    auto it = cur->find(key);
    if (it == cur->end()) return std::nullopt;
    cur = &*it;
  }
  if (!cur->is_number()) return std::nullopt;
  return cur->get<double>();
}

void render_plugins(FamilyEmitter& e, const json* plugins, std::string_view self_id) {
  constexpr std::string_view name = "streamgate_plugin_up";
  if (plugins == nullptr || !plugins->is_array() || !e.wanted(name)) return;
  PromWriter& w = e.writer();
  w.family(name, "gauge", "1 when the plugin is started and reports healthy, else 0");
  for (const json& p : *plugins) {
    if (!p.is_object() || !p.contains("id") || !p["id"].is_string()) continue;
    std::string labels = "plugin=\"" + escape_label_value(p["id"].get<std::string>()) + "\"";
    w.sample(name, labels, plugin_is_up(p, self_id) ? 1 : 0);
  }
}

// Same family names as the kernel's own bus metrics: with a kernel that renders them the
// name check skips these, with one that does not they still appear under the usual names.
void render_bus(FamilyEmitter& e, const json* stats) {
  if (stats == nullptr || !stats->is_object()) return;
  auto bus = stats->find("bus");
  if (bus == stats->end() || !bus->is_object()) return;
  auto topics = bus->find("topics");
  if (topics == bus->end() || !topics->is_object() || topics->empty()) return;

  struct Counter {
    const char* key;
    const char* name;
    const char* help;
  };
  static constexpr Counter counters[] = {
      {"published", "streamgate_events_published_total", "Events published on the bus, by topic"},
      {"delivered", "streamgate_events_delivered_total",
       "Event deliveries to subscribers, by topic"},
      {"failed", "streamgate_events_failed_total",
       "Event deliveries whose subscriber failed, by topic"},
      {"dropped", "streamgate_events_dropped_total", "Events dropped (queue full), by topic"},
  };
  for (const Counter& c : counters) {
    if (!e.wanted(c.name)) continue;
    PromWriter& w = e.writer();
    w.family(c.name, "counter", c.help);
    for (const auto& [topic, values] : topics->items()) {
      auto v = number_at(&values, {c.key});
      if (!v) continue;
      w.sample(c.name, "topic=\"" + escape_label_value(topic) + "\"", *v);
    }
  }
}

void render_pool(FamilyEmitter& e, const json* stats) {
  e.single("streamgate_blocking_pool_threads", "gauge", "Threads of the kernel's blocking pool",
           number_at(stats, {"blocking_pool", "threads"}));
  e.single("streamgate_blocking_pool_queued", "gauge",
           "Tasks waiting in the kernel's blocking pool",
           number_at(stats, {"blocking_pool", "queued"}));
  e.single("streamgate_blocking_pool_running", "gauge",
           "Tasks running in the kernel's blocking pool",
           number_at(stats, {"blocking_pool", "running"}));
}

}  // namespace

std::string render_scrape(const ScrapeInputs& in) {
  const std::unordered_set<std::string> existing = family_names(in.host_text);
  PromWriter w;
  FamilyEmitter e(existing, w);
  const ProcessStats& p = in.process;

  e.single("process_resident_memory_bytes", "gauge", "Resident memory size in bytes",
           p.resident_memory_bytes);
  e.single("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes",
           p.virtual_memory_bytes);
  e.single("process_open_fds", "gauge", "Number of open file descriptors", p.open_fds);
  e.single("process_max_fds", "gauge", "Maximum number of open file descriptors", p.max_fds);
  e.single("process_cpu_seconds_total", "counter", "Total user and system CPU time in seconds",
           p.cpu_seconds_total);
  e.single("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch",
           p.start_time_seconds);

  std::optional<double> uptime = number_at(in.kernel_stats, {"uptime_seconds"});
  if (!uptime && p.start_time_seconds && in.now_seconds > 0) {
    uptime = in.now_seconds - *p.start_time_seconds;
  }
  e.single("streamgate_uptime_seconds", "gauge", "Seconds since the kernel started", uptime);

  render_plugins(e, in.plugins, in.self_id);
  render_bus(e, in.kernel_stats);
  render_pool(e, in.kernel_stats);

  std::string out;
  out.reserve(in.host_text.size() + w.text().size() + 1);
  out += in.host_text;
  if (!out.empty() && out.back() != '\n') out += '\n';
  out += w.text();
  return out;
}

}  // namespace sg::monitor
