// Captures kernel log records in memory for the duration of a test.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <spdlog/sinks/base_sink.h>

#include "log.hpp"

namespace kt {

class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  bool contains(const std::string& text) {
    std::lock_guard lock(mutex_);
    for (const auto& l : lines_) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }
  // Index of the first line containing text, or -1.
  long index_of(const std::string& text) {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < lines_.size(); ++i) {
      if (lines_[i].find(text) != std::string::npos) return static_cast<long>(i);
    }
    return -1;
  }
  std::string all() {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& l : lines_) out += l + "\n";
    return out;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines_.push_back("[" + std::string(msg.logger_name.data(), msg.logger_name.size()) + "] " +
                     std::string(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

// Installs a CaptureSink for the scope's lifetime.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<CaptureSink>()) { sgk::logging::set_extra_sink(sink_); }
  ~LogCapture() { sgk::logging::set_extra_sink(nullptr); }
  CaptureSink& operator*() { return *sink_; }
  CaptureSink* operator->() { return sink_.get(); }

 private:
  std::shared_ptr<CaptureSink> sink_;
};

}  // namespace kt
