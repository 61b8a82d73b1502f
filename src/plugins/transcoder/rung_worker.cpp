#include "rung_worker.hpp"

namespace sg::transcoder {

RungWorker::RungWorker(std::vector<std::unique_ptr<VideoRendition>> rungs, size_t queue_frames)
    : rungs_(std::move(rungs)), capacity_(queue_frames) {}

RungWorker::~RungWorker() {
  abort();
  if (thread_.joinable()) thread_.join();
}

void RungWorker::start() {
  thread_ = std::thread([this] { run(); });
}

bool RungWorker::push(const AVFrame* frame) {
  FramePtr ref(av_frame_clone(frame));
  std::unique_lock lock(mu_);
  if (!ref) {
    stopped_ = true;
    status_ = internal_error("out of memory");
    changed_.notify_all();
    return false;
  }
  changed_.wait(lock, [&] { return stopped_ || queue_.size() < capacity_; });
  if (stopped_) return false;
  queue_.push_back(std::move(ref));
  changed_.notify_all();
  return true;
}

void RungWorker::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  changed_.notify_all();
}

void RungWorker::abort() {
  std::lock_guard lock(mu_);
  if (!stopped_ && status_) status_ = cancelled();
  stopped_ = true;
  queue_.clear();
  changed_.notify_all();
}

Status RungWorker::join() {
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return status_;
}

void RungWorker::run() {
  for (;;) {
    FramePtr frame;
    {
      std::unique_lock lock(mu_);
      changed_.wait(lock, [&] { return stopped_ || closed_ || !queue_.empty(); });
      if (stopped_) return;
      if (queue_.empty()) break;  // closed and drained
      frame = std::move(queue_.front());
      queue_.pop_front();
      changed_.notify_all();
    }
    for (auto& rung : rungs_) {
      if (auto st = rung->encode(frame.get()); !st) {
        std::lock_guard lock(mu_);
        status_ = st;
        stopped_ = true;
        queue_.clear();
        changed_.notify_all();
        return;
      }
    }
  }
  for (auto& rung : rungs_) {
    Status st = rung->encode(nullptr);
    if (st) st = rung->finish();
    if (!st) {
      std::lock_guard lock(mu_);
      status_ = st;
      stopped_ = true;
      changed_.notify_all();
      return;
    }
  }
}

}  // namespace sg::transcoder
