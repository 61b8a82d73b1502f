// One transcode, from an uploaded file to a complete CMAF set in a folder: probe and check,
// decode once, encode the rungs in parallel threads and the audio once, then the poster,
// the storyboard and the two manifests. Runs on its own threads (at the configured nice
// value, so the API stays responsive); the caller polls progress and may cancel.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "config.hpp"
#include "failure.hpp"
#include "ladder.hpp"
#include "media_set.hpp"
#include "source_info.hpp"

namespace sg::transcoder {

struct TranscodeOutcome {
  SourceInfo source;
  Plan plan;
  MediaSet media;
};

struct ProgressSnapshot {
  double position = 0;  // seconds of output decoded so far
  double duration = 0;  // seconds (0 until the input is probed)
  int64_t frames = 0;
  double elapsed = 0;  // wall seconds since start
};

class Transcode {
 public:
  Transcode(TranscoderConfig config, std::filesystem::path input, std::filesystem::path output);
  Transcode(const Transcode&) = delete;
  Transcode& operator=(const Transcode&) = delete;
  ~Transcode();  // cancels and joins

  void start();
  // True once finished (succeeded, failed or cancelled).
  bool wait_for(std::chrono::milliseconds timeout);
  void cancel() noexcept { cancelled_.store(true); }
  ProgressSnapshot progress() const;
  // After wait_for() returned true.
  Result<TranscodeOutcome> result();

 private:
  Result<TranscodeOutcome> run();
  bool is_cancelled() const noexcept { return cancelled_.load(std::memory_order_relaxed); }

  TranscoderConfig config_;
  std::filesystem::path input_;
  std::filesystem::path output_;
  std::atomic<bool> cancelled_{false};
  std::atomic<double> position_{0};
  std::atomic<double> duration_{0};
  std::atomic<int64_t> frames_{0};
  std::chrono::steady_clock::time_point started_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::optional<Result<TranscodeOutcome>> result_;
};

// Runs a transcode to the end on the calling thread's behalf (tests, benchmarks).
Result<TranscodeOutcome> transcode_file(const TranscoderConfig& config,
                                        const std::filesystem::path& input,
                                        const std::filesystem::path& output);

}  // namespace sg::transcoder
