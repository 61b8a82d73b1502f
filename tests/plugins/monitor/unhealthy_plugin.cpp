// Test plugin: always loads and starts, but its health() reports what its config says
// (unhealthy by default), so monitor tests can see /ready turn 503 and plugin_up turn 0.
// `health_delay_ms` makes health() slow, to show a slow plugin never stalls the gateway.
#include <chrono>
#include <streamgate/plugin.hpp>
#include <thread>

namespace {

class Unhealthy final : public sg::Plugin {
 public:
  Unhealthy(sg::Host host, const sg::json& config)
      : sg::Plugin(host),
        healthy_(config.value("healthy", false)),
        reason_(config.value("reason", std::string("simulated disk failure"))),
        delay_(config.value("health_delay_ms", 0)) {}

  sg::json health() override {
    if (delay_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_));
    if (healthy_) return {{"healthy", true}};
    return {{"healthy", false}, {"reason", reason_}};
  }

 private:
  bool healthy_;
  std::string reason_;
  int delay_;
};

}  // namespace

SG_PLUGIN(Unhealthy, "unhealthy_plugin", "0.0.1", "test plugin whose health is configurable",
          sg::provides({}), sg::requires_services({}))
