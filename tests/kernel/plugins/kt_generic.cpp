// One source, several test plugins: id, provided service and required service come from
// compile definitions (KT_ID, KT_PROVIDES, KT_REQUIRES, KT_REQUIRES_MINOR, KT_SLOW_STOP_MS).
#include <atomic>
#include <thread>

#include "kt_common.hpp"

namespace {

struct Table {
  uint32_t struct_size = sizeof(Table);
  void* self = nullptr;
};

class Generic final : public sg::Plugin {
 public:
  static void on_event(void* self, const char*, size_t, const char*, size_t) {
    static_cast<Generic*>(self)->events_.fetch_add(1);
  }
  static void on_tick(void* self) { static_cast<Generic*>(self)->ticks_.fetch_add(1); }
  sg::json health() override {
    return {{"healthy", true}, {"events", events_.load()}, {"ticks", ticks_.load()}};
  }

  Generic(sg::Host host, const sg::json&) : sg::Plugin(host) {
#ifdef KT_PROVIDES
    host.register_service(KT_PROVIDES, 1, 0, &table_);
#endif
  }
  // Subscribes and starts a timer through the raw C API and never ends them: the kernel
  // must end both when the plugin stops.
  void start() override {
    const sg_host_api* api = host().api();
    uint64_t id = 0;
    sg::check(api->subscribe(api->host, "kt.generic", 10, &Generic::on_event, this, &id, nullptr),
              sg_error{}, "subscribe");
    sg::check(api->timer_start(api->host, 0, 10, &Generic::on_tick, this, &id, nullptr), sg_error{},
              "timer_start");
    kt::note(host(), std::string(KT_ID) + " started");
  }
  void stop(std::chrono::milliseconds) override {
#ifdef KT_SLOW_STOP_MS
    std::this_thread::sleep_for(std::chrono::milliseconds(KT_SLOW_STOP_MS));
#endif
    kt::note(host(), std::string(KT_ID) + " stopped");
  }

 private:
  Table table_;
  std::atomic<int> events_{0};
  std::atomic<int> ticks_{0};
};

#ifndef KT_REQUIRES_MINOR
#define KT_REQUIRES_MINOR 0
#endif

}  // namespace

#ifdef KT_PROVIDES
#define KT_PROVIDES_LIST sg::provides({{KT_PROVIDES, 1, 0}})
#else
#define KT_PROVIDES_LIST sg::provides({})
#endif
#ifdef KT_REQUIRES
#define KT_REQUIRES_LIST sg::requires_services({{KT_REQUIRES, 1, KT_REQUIRES_MINOR, 0}})
#else
#define KT_REQUIRES_LIST sg::requires_services({})
#endif

SG_PLUGIN(Generic, KT_ID, "0.1.0", "kernel test: generic", KT_PROVIDES_LIST, KT_REQUIRES_LIST)
