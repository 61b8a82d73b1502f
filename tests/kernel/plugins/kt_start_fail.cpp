// Requires kt_counter (so it starts after the provider) and fails in start().
#include "kt_common.hpp"

namespace {

class StartFail final : public sg::Plugin {
 public:
  StartFail(sg::Host host, const sg::json&) : sg::Plugin(host) {}
  void start() override { throw sg::Error(SG_ERR_UNAVAILABLE, "database is on fire"); }
};

}  // namespace

SG_PLUGIN(StartFail, "kt_start_fail", "0.1.0", "kernel test: start fails", sg::provides({}),
          sg::requires_services({{KT_COUNTER_SERVICE, 1, 0, 0}}))
