// C++ plugin (via plugin.hpp) that requires kt_counter@1.1 from the C provider, adds 5 at
// start, and counts "kt.pong" events.
#include <atomic>

#include "kt_common.hpp"

namespace {

class Consumer final : public sg::Plugin {
 public:
  Consumer(sg::Host host, const sg::json& config) : sg::Plugin(host) {
    add_ = config.value("add", 5);
  }
  void start() override {
    counter_ = host().acquire<kt_counter_v1>(KT_COUNTER_SERVICE, KT_COUNTER_MAJOR, 1);
    if (counter_ == nullptr) throw sg::Error(SG_ERR_NOT_FOUND, "kt_counter missing");
    int64_t total = counter_->add(counter_->self, add_);
    kt::note(host(),
             "kt_cpp_consumer added " + std::to_string(add_) + " total " + std::to_string(total));
    sub_ = host().subscribe("kt.pong", [this](std::string_view, const sg::json&) { ++pongs_; });
  }
  void stop(std::chrono::milliseconds) override {
    sub_.reset();
    host().release(KT_COUNTER_SERVICE, KT_COUNTER_MAJOR);
    counter_ = nullptr;
    kt::note(host(), "kt_cpp_consumer stopped");
  }
  sg::json health() override { return {{"healthy", true}, {"pongs", pongs_.load()}}; }

 private:
  int64_t add_ = 5;
  const kt_counter_v1* counter_ = nullptr;
  sg::Subscription sub_;
  std::atomic<int> pongs_{0};
};

}  // namespace

SG_PLUGIN(Consumer, "kt_cpp_consumer", "2.1.0", "kernel test: C++ consumer", sg::provides({}),
          sg::requires_services({{KT_COUNTER_SERVICE, 1, 1, 0}}))
