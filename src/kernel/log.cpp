#include "log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/sinks/base_sink.h>
#include <nlohmann/json.hpp>

namespace sgk::logging {

namespace {

// Writes one line per record to stderr; the format can switch at runtime (configure()).
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::atomic<bool> json{false};

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string line = format(msg);
    line.push_back('\n');
    // One write per record so that lines from concurrent processes/threads never interleave.
    size_t off = 0;
    while (off < line.size()) {
      ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }
  void flush_() override {}

 private:
  std::string format(const spdlog::details::log_msg& msg) const {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch());
    std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::string ts =
        fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", tm, static_cast<int>(ms.count() % 1000));
    std::string_view level(spdlog::level::to_string_view(msg.level).data(),
                           spdlog::level::to_string_view(msg.level).size());
    if (level == "warning") level = "warn";
    if (level == "err") level = "error";
    std::string_view name(msg.logger_name.data(), msg.logger_name.size());
    std::string_view text(msg.payload.data(), msg.payload.size());
    if (json) {
      nlohmann::json j = {{"ts", ts}, {"level", level}, {"plugin", name}, {"msg", text}};
      return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return fmt::format("{} {:<5} [{}] {}", ts, level, name, escape_line(text));
  }
};

struct State {
  std::mutex mu;
  std::shared_ptr<LineSink> sink = std::make_shared<LineSink>();
  spdlog::sink_ptr extra;
  LogSettings settings;
  std::map<std::string, std::shared_ptr<spdlog::logger>> loggers;

  spdlog::level::level_enum level_for(const std::string& id) const {
    auto it = settings.levels.find(id);
    return parse_level(it != settings.levels.end() ? it->second : settings.level);
  }
  std::shared_ptr<spdlog::logger> make(const std::string& id) {
    std::vector<spdlog::sink_ptr> sinks{sink};
    if (extra) sinks.push_back(extra);
    auto l = std::make_shared<spdlog::logger>(id, sinks.begin(), sinks.end());
    l->set_level(level_for(id));
    l->flush_on(spdlog::level::trace);
    return l;
  }
};

State& state() {
  static State* s = new State();  // never destroyed: loggers may be used during exit
  return *s;
}

}  // namespace

spdlog::level::level_enum parse_level(const std::string& name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "warn" || name == "warning") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  if (name == "critical") return spdlog::level::critical;
  return spdlog::level::info;
}

std::string escape_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  return out;
}

void configure(const LogSettings& settings) {
  auto& s = state();
  std::lock_guard lock(s.mu);
  s.settings = settings;
  s.sink->json = settings.format == "json";
  for (auto& [id, l] : s.loggers) l->set_level(s.level_for(id));
}

void set_extra_sink(spdlog::sink_ptr sink) {
  auto& s = state();
  std::lock_guard lock(s.mu);
  s.extra = std::move(sink);
  // Loggers hold their sink list; rebuild them (callers keep old shared_ptrs valid).
  for (auto& [id, l] : s.loggers) {
    auto& sinks = l->sinks();
    sinks.clear();
    sinks.push_back(s.sink);
    if (s.extra) sinks.push_back(s.extra);
  }
}

std::shared_ptr<spdlog::logger> get(const std::string& id) {
  auto& s = state();
  std::lock_guard lock(s.mu);
  auto it = s.loggers.find(id);
  if (it != s.loggers.end()) return it->second;
  auto l = s.make(id);
  s.loggers.emplace(id, l);
  return l;
}

}  // namespace sgk::logging
