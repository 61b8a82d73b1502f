// A thread that encodes one or more video rungs from the shared decoded frames. The decode
// thread hands every frame (a reference, not a copy) to each worker through a small bounded
// queue, so decoding runs once and a slow rung only holds back the decoder, never memory.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "av_util.hpp"
#include "failure.hpp"
#include "video_rendition.hpp"

namespace sg::transcoder {

class RungWorker {
 public:
  explicit RungWorker(std::vector<std::unique_ptr<VideoRendition>> rungs, size_t queue_frames = 8);
  RungWorker(const RungWorker&) = delete;
  RungWorker& operator=(const RungWorker&) = delete;
  ~RungWorker();

  void start();
  // Queues a reference to `frame`; blocks while the queue is full. False once the worker
  // stopped (failed or aborted): stop feeding it.
  bool push(const AVFrame* frame);
  // No more frames: the worker flushes its encoders and writes the last segments.
  void close();
  // Drops queued frames and stops as soon as the current frame is done.
  void abort();
  // Waits for the thread; the first failure of any rung, if one failed.
  Status join();
  std::vector<std::unique_ptr<VideoRendition>>& rungs() noexcept { return rungs_; }

 private:
  void run();

  std::vector<std::unique_ptr<VideoRendition>> rungs_;
  size_t capacity_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<FramePtr> queue_;
  bool closed_ = false;
  bool stopped_ = false;  // failed or aborted
  Status status_ = ok;
  std::thread thread_;
};

}  // namespace sg::transcoder
