// Test event recorder: subscribes to every bus topic ("*") and appends one JSON line
// {"topic": ..., "payload": ...} per event to the file named by plugins.test_event_log.file,
// flushed per line, so a test reads what the bus carried while the server runs. Never ship
// it: it writes every payload to disk.
#include <streamgate/plugin.hpp>

#include <fstream>
#include <mutex>
#include <string>

namespace {

class TestEventLog final : public sg::Plugin {
 public:
  TestEventLog(sg::Host host, const sg::json& config) : sg::Plugin(host) {
    if (!config.is_object() || !config.contains("file") || !config["file"].is_string())
      throw sg::Error(SG_ERR_INVALID, "plugins.test_event_log.file: must name a file");
    path_ = config["file"].get<std::string>();
  }

  void start() override {
    out_.open(path_, std::ios::app);
    if (!out_) throw sg::Error(SG_ERR_UNAVAILABLE, "test_event_log: cannot open " + path_);
    subscription_ = host().subscribe("*", [this](std::string_view topic, const sg::json& p) {
      std::lock_guard lock(mu_);
      out_ << sg::json{{"topic", std::string(topic)}, {"payload", p}}.dump() << "\n";
      out_.flush();
    });
  }

  void stop(std::chrono::milliseconds) override {
    subscription_ = {};
    std::lock_guard lock(mu_);
    out_.close();
  }

 private:
  std::string path_;
  std::mutex mu_;
  std::ofstream out_;
  sg::Subscription subscription_;
};

}  // namespace

SG_PLUGIN(TestEventLog, "test_event_log", "1.0.0", "test only: every bus event to a file",
          sg::provides({}), sg::requires_services({}))
